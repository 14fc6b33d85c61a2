import { EuiBadge, EuiBasicTable, EuiCallOut, EuiText, type EuiBasicTableColumn } from '@elastic/eui';
import type { AlertSummary } from '../../common/api';
import type { ApiClient } from '../api_client';
import { SeverityBadge } from './severity_badge';
import { usePolling } from './use_polling';

const columns: Array<EuiBasicTableColumn<AlertSummary>> = [
  {
    field: 'timestamp',
    name: 'Time',
    width: '170px',
    render: (t: string) => new Date(t).toISOString().replace('T', ' ').slice(0, 19),
  },
  {
    field: 'severity',
    name: 'Severity',
    width: '90px',
    render: (s: string) => <SeverityBadge severity={s} />,
  },
  { field: 'riskScore', name: 'Risk', width: '60px' },
  { field: 'ruleName', name: 'Rule' },
  { field: 'host', name: 'Host', width: '140px' },
  { field: 'user', name: 'User', width: '120px' },
  {
    field: 'techniques',
    name: 'ATT&CK',
    render: (ts: AlertSummary['techniques']) =>
      ts.map((t) => (
        <EuiBadge key={t.id} title={t.name}>
          {t.id}
        </EuiBadge>
      )),
  },
  { field: 'explanation', name: 'Why', render: (e: string) => <EuiText size="xs">{e}</EuiText> },
];

export function AlertsView({ api, refreshSeconds }: { api: ApiClient; refreshSeconds: number }) {
  const { data, error, loading } = usePolling(() => api.alerts({ size: 200 }), refreshSeconds);
  return (
    <>
      {error && (
        <EuiCallOut color="danger" title="Could not load alerts">
          {error}
        </EuiCallOut>
      )}
      <EuiText size="s">
        <p data-test-subj="alertsTotal">{data ? `${data.total} alerts` : 'Loading alerts…'}</p>
      </EuiText>
      <EuiBasicTable<AlertSummary>
        data-test-subj="alertsTable"
        items={data?.alerts ?? []}
        columns={columns}
        loading={loading}
        noItemsMessage="No alerts yet"
        tableLayout="auto"
      />
    </>
  );
}
