import {
  EuiBasicTable,
  EuiCallOut,
  EuiHealth,
  EuiSpacer,
  EuiTitle,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import type { ConnectionStatus, TaskStatus } from '../../common/api';
import type { ApiClient } from '../api_client';
import { usePolling } from './use_polling';

const connectionColumns: Array<EuiBasicTableColumn<ConnectionStatus>> = [
  { field: 'name', name: 'Connection' },
  {
    field: 'reachable',
    name: 'State',
    render: (ok: boolean, c: ConnectionStatus) => (
      <EuiHealth color={!c.enabled ? 'subdued' : ok ? 'success' : 'danger'}>
        {!c.enabled ? 'disabled' : ok ? 'reachable' : 'unreachable'}
      </EuiHealth>
    ),
  },
  { field: 'detail', name: 'Detail' },
];

const taskColumns: Array<EuiBasicTableColumn<TaskStatus>> = [
  { field: 'taskId', name: 'Task' },
  { field: 'lastRunAt', name: 'Last run' },
  { field: 'lastDurationMs', name: 'Duration (ms)' },
  { field: 'documentsRead', name: 'Read' },
  { field: 'documentsRejected', name: 'Rejected' },
  { field: 'alertsWritten', name: 'Alerts' },
  { field: 'lastError', name: 'Last error' },
];

export function StatusView({ api, refreshSeconds }: { api: ApiClient; refreshSeconds: number }) {
  const { data, error, loading } = usePolling(() => api.status(), refreshSeconds);
  return (
    <>
      {error && (
        <EuiCallOut color="danger" title="Could not load status">
          {error}
        </EuiCallOut>
      )}
      <EuiTitle size="xs">
        <h3>Connections</h3>
      </EuiTitle>
      <EuiBasicTable<ConnectionStatus>
        items={data?.connections ?? []}
        columns={connectionColumns}
        loading={loading}
      />
      <EuiSpacer />
      <EuiTitle size="xs">
        <h3>Tasks</h3>
      </EuiTitle>
      <EuiBasicTable<TaskStatus>
        items={data?.tasks ?? []}
        columns={taskColumns}
        loading={loading}
        noItemsMessage="No task has run yet"
      />
    </>
  );
}
