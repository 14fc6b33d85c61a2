/**
 * The APT Detection app: one page with tabs, each tab a URL under the app (`/alerts`, `/timeline`, `/entities`,
 * `/models`, `/status`) so views can be linked and the browser's back button works.
 */
import { EuiPageTemplate, EuiProvider, EuiTab, EuiTabs } from '@elastic/eui';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { History } from 'history';
import { PLUGIN_NAME } from '../common/api';
import { ApiClient } from './api_client';
import { AlertsView } from './components/alerts_view';
import { EntitiesView } from './components/entities_view';
import { ModelsView } from './components/models_view';
import { StatusView } from './components/status_view';
import { TimelineView } from './components/timeline_view';
import type { AppMountParameters, AppUnmount, CoreStart } from './kibana_types';
import type { BrowserConfig } from './plugin';

export const TABS = [
  { id: 'alerts', label: 'Alerts', View: AlertsView },
  { id: 'timeline', label: 'Attack timeline', View: TimelineView },
  { id: 'entities', label: 'Entities', View: EntitiesView },
  { id: 'models', label: 'Model status', View: ModelsView },
  { id: 'status', label: 'Connections & tasks', View: StatusView },
] as const;

type TabId = (typeof TABS)[number]['id'];

function tabFromPath(pathname: string): TabId {
  const first = pathname.replace(/^\/+/, '').split('/')[0];
  return (TABS.find((t) => t.id === first)?.id ?? 'alerts') as TabId;
}

function App({ api, history, refreshSeconds }: { api: ApiClient; history: History; refreshSeconds: number }) {
  const [tab, setTab] = useState<TabId>(tabFromPath(history.location.pathname));
  useEffect(() => history.listen((loc) => setTab(tabFromPath(loc.pathname))), [history]);
  const current = TABS.find((t) => t.id === tab)!;
  return (
    <EuiPageTemplate restrictWidth={false} panelled>
      <EuiPageTemplate.Header
        pageTitle={PLUGIN_NAME}
        description="Advanced persistent threat detection for Windows and Wazuh data, mapped to MITRE ATT&CK."
      />
      <EuiPageTemplate.Section>
        <EuiTabs>
          {TABS.map((t) => (
            <EuiTab
              key={t.id}
              isSelected={t.id === tab}
              onClick={() => history.push(`/${t.id}`)}
              data-test-subj={`tab-${t.id}`}
            >
              {t.label}
            </EuiTab>
          ))}
        </EuiTabs>
      </EuiPageTemplate.Section>
      <EuiPageTemplate.Section>
        <current.View api={api} refreshSeconds={refreshSeconds} />
      </EuiPageTemplate.Section>
    </EuiPageTemplate>
  );
}

export function renderApp(core: CoreStart, params: AppMountParameters, config: BrowserConfig): AppUnmount {
  const root = createRoot(params.element);
  root.render(
    <EuiProvider colorMode="light">
      <App
        api={new ApiClient(core.http)}
        history={params.history}
        refreshSeconds={config.ui.refreshIntervalSeconds}
      />
    </EuiProvider>,
  );
  return () => root.unmount();
}
