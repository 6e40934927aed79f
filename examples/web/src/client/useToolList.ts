import type { ToolForm } from '@jobgate/core/client';
import { useEffect, useState } from 'react';

let loading: Promise<ToolForm[]> | null = null;

/**
 * The app's tools as the server describes them (`GET /tools.json`: each tool's `form`,
 * plain JSON), fetched once: the menu and the pages are drawn from it. Null until it came.
 */
export function useToolList(): ToolForm[] | null {
  const [tools, setTools] = useState<ToolForm[] | null>(null);
  useEffect(() => {
    loading ??= fetch(`${location.origin}/tools.json`).then((r) => r.json() as Promise<ToolForm[]>);
    let live = true;
    loading.then(
      (list) => live && setTools(list),
      () => {
        loading = null;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return tools;
}
