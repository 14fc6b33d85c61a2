import {
  EuiBadge,
  EuiBasicTable,
  EuiButtonGroup,
  EuiCallOut,
  EuiSpacer,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import { useState } from 'react';
import type { ApiClient, EntitiesResponse } from '../api_client';
import { usePolling } from './use_polling';

type Entity = EntitiesResponse['entities'][number];

const columns: Array<EuiBasicTableColumn<Entity>> = [
  { field: 'name', name: 'Entity' },
  { field: 'maxRisk', name: 'Highest risk', width: '120px' },
  { field: 'alerts', name: 'Alerts', width: '80px' },
  { field: 'lastSeen', name: 'Last alert', width: '200px' },
  {
    field: 'techniques',
    name: 'Techniques',
    render: (ts: string[]) => ts.map((t) => <EuiBadge key={t}>{t}</EuiBadge>),
  },
];

export function EntitiesView({ api, refreshSeconds }: { api: ApiClient; refreshSeconds: number }) {
  const [type, setType] = useState<'host' | 'user'>('host');
  const { data, error, loading } = usePolling(() => api.entities(type), refreshSeconds, [type]);
  return (
    <>
      <EuiButtonGroup
        legend="Entity type"
        options={[
          { id: 'host', label: 'Hosts' },
          { id: 'user', label: 'Users' },
        ]}
        idSelected={type}
        onChange={(id) => setType(id as 'host' | 'user')}
      />
      <EuiSpacer size="s" />
      {error && (
        <EuiCallOut color="danger" title="Could not load entities">
          {error}
        </EuiCallOut>
      )}
      <EuiBasicTable<Entity>
        items={data?.entities ?? []}
        columns={columns}
        loading={loading}
        noItemsMessage="No risky entities"
      />
    </>
  );
}
