import { createContext, useContext, type ReactNode } from 'react';
import { errorText } from './error-text.ts';

/**
 * What each app tells the toolkit once, at its root: how failures read (its `errorText` with
 * its service's name, plus whatever it must do on a lost session) and how often pages refresh.
 */
export interface UiConfig {
  describeError: (err: unknown) => string;
  pollMs: number;
}

const UiConfigContext = createContext<UiConfig>({
  describeError: (err) => errorText(err, { service: 'the server' }),
  pollMs: 5000,
});

export function UiConfigProvider(props: { config: UiConfig; children: ReactNode }) {
  return <UiConfigContext.Provider value={props.config}>{props.children}</UiConfigContext.Provider>;
}

export function useUiConfig(): UiConfig {
  return useContext(UiConfigContext);
}
