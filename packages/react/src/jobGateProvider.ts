'use client';
import { type JobClientOptions, JobGateError } from '@jobgate/core/client';
import { createContext, createElement, type ReactElement, type ReactNode, useContext } from 'react';

/** What every hook under the provider builds its JobClient from. */
export type JobGateConfig = JobClientOptions;

const JobGateContext = createContext<JobGateConfig | null>(null);

export interface JobGateProviderProps {
  /**
   * Transport, update source, uploader… Create it once (module scope or `useMemo`): the
   * hooks build a new client when `transport`, `updates` or `uploader` change.
   */
  config: JobGateConfig;
  children?: ReactNode;
}

/** Gives the hooks below it their client configuration. */
export function JobGateProvider({ config, children }: JobGateProviderProps): ReactElement {
  return createElement(JobGateContext.Provider, { value: config }, children);
}

/** The config of the nearest {@link JobGateProvider}. */
export function useJobGateConfig(): JobGateConfig {
  const config = useContext(JobGateContext);
  if (!config) {
    throw new JobGateError('INTERNAL', 'jobgate hooks must be used inside <JobGateProvider>');
  }
  return config;
}
