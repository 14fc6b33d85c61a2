import { EuiBadge } from '@elastic/eui';

const COLORS: Record<string, string> = {
  low: 'default',
  medium: 'warning',
  high: 'danger',
  critical: 'danger',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return <EuiBadge color={COLORS[severity] ?? 'hollow'}>{severity}</EuiBadge>;
}
