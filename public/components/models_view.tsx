import { EuiBasicTable, EuiCallOut, type EuiBasicTableColumn } from '@elastic/eui';
import type { ApiClient, ModelsResponse } from '../api_client';
import { usePolling } from './use_polling';

type Model = ModelsResponse['models'][number];

const columns: Array<EuiBasicTableColumn<Model>> = [
  { field: 'file', name: 'Model card' },
  { field: 'version', name: 'Version' },
  { field: 'date', name: 'Trained' },
  { field: 'metrics', name: 'Held-out metrics', render: (m: unknown) => (m ? JSON.stringify(m) : '') },
];

export function ModelsView({ api, refreshSeconds }: { api: ApiClient; refreshSeconds: number }) {
  const { data, error, loading } = usePolling(() => api.models(), refreshSeconds);
  return (
    <>
      {error && (
        <EuiCallOut color="danger" title="Could not load model status">
          {error}
        </EuiCallOut>
      )}
      {data && data.models.length === 0 && (
        <EuiCallOut title="No models loaded">
          No model cards were found in {data.directory}. Detection runs with the rule-based and behaviour
          detectors.
        </EuiCallOut>
      )}
      <EuiBasicTable<Model> items={data?.models ?? []} columns={columns} loading={loading} />
    </>
  );
}
