'use client';
import type { JsonObject, Quote } from '@jobgate/core/client';
import { useJobGateConfig } from './jobGateProvider.js';
import { type ServerValue, useServerValue } from './useServerValue.js';

/**
 * What a job of `tool` with `input` would cost, from the server's tool registry
 * (`POST /quote`), read again when the input changes: the price to show before Run. An input
 * the tool refuses gives a VALIDATION `error`; file fields may hold any placeholder.
 */
export function useQuote(tool: string, input: JsonObject): ServerValue<Quote> {
  const { transport } = useJobGateConfig();
  const key = JSON.stringify([tool, input]);
  return useServerValue(key, (signal) => transport.quote(tool, input, signal));
}
