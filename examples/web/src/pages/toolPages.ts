import type { ToolForm } from '@jobgate/core/client';
import type { ComponentType } from 'react';
import { ToolPage } from './ToolPage.js';
import { UpscalerPage } from './UpscalerPage.js';

/** A tool page: drawn from the tool's plain description. */
export type ToolPageComponent = ComponentType<{ tool: ToolForm }>;

/**
 * The tools that name a page of their own, by id. Every other tool gets the generic page
 * (ToolPage.tsx, on `useToolForm` of @jobgate/react): a new tool needs no page.
 */
export const CUSTOM_PAGES: Readonly<Record<string, ToolPageComponent>> = {
  upscaler: UpscalerPage,
};

/** The menu: one page per tool the server serves, in its order. */
export function toolPages(tools: readonly ToolForm[]) {
  return tools.map((tool) => ({
    id: tool.id,
    name: tool.name,
    tool,
    Page: CUSTOM_PAGES[tool.id] ?? ToolPage,
  }));
}
