import { Axis, BarSeries, Chart, Position, ScaleType, Settings } from '@elastic/charts';
import { EuiCallOut, EuiSpacer, EuiText } from '@elastic/eui';
import type { AlertSummary } from '../../common/api';
import type { ApiClient } from '../api_client';
import { usePolling } from './use_polling';

/** Alerts per hour, stacked by ATT&CK tactic: the attack unfolding over time. */
export function toTimelineSeries(alerts: AlertSummary[]): Array<{ t: number; tactic: string; n: number }> {
  const counts = new Map<string, { t: number; tactic: string; n: number }>();
  for (const a of alerts) {
    const hour = Math.floor(Date.parse(a.timestamp) / 3600000) * 3600000;
    for (const tactic of a.tactics.length ? a.tactics.map((t) => t.name) : ['(untagged)']) {
      const key = `${hour}|${tactic}`;
      const c = counts.get(key) ?? { t: hour, tactic, n: 0 };
      c.n++;
      counts.set(key, c);
    }
  }
  return [...counts.values()].sort((a, b) => a.t - b.t);
}

export function TimelineView({ api, refreshSeconds }: { api: ApiClient; refreshSeconds: number }) {
  const { data, error } = usePolling(() => api.alerts({ size: 500 }), refreshSeconds);
  const series = toTimelineSeries(data?.alerts ?? []);
  return (
    <>
      {error && (
        <EuiCallOut color="danger" title="Could not load the timeline">
          {error}
        </EuiCallOut>
      )}
      <EuiText size="s">
        <p>Alerts per hour by ATT&amp;CK tactic ({data?.alerts.length ?? 0} most recent alerts).</p>
      </EuiText>
      <EuiSpacer size="s" />
      <div style={{ height: 320 }} data-test-subj="attackTimeline">
        <Chart>
          <Settings showLegend legendPosition={Position.Right} />
          <BarSeries
            id="alerts"
            xScaleType={ScaleType.Time}
            yScaleType={ScaleType.Linear}
            xAccessor="t"
            yAccessors={['n']}
            splitSeriesAccessors={['tactic']}
            stackAccessors={['t']}
            data={series}
          />
          <Axis
            id="x"
            position={Position.Bottom}
            tickFormat={(v: number) => new Date(v).toISOString().slice(5, 16).replace('T', ' ')}
          />
          <Axis id="y" position={Position.Left} title="alerts" />
        </Chart>
      </div>
    </>
  );
}
