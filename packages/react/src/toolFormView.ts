'use client';
import type { ToolForm as ToolFormDescription } from '@jobgate/core/client';
import type { ReactNode } from 'react';
import { type ToolFormHandle, useToolForm } from './useToolForm.js';

export interface ToolFormProps {
  /** The tool's plain description (`tool.form`), or anything carrying it as `form`. */
  tool: ToolFormDescription | { readonly form: ToolFormDescription };
  /** Draws the form: the fields, their problems, Run. */
  children(form: ToolFormHandle): ReactNode;
}

/** {@link useToolForm} as a render-prop component: `<ToolForm tool={form}>{(f) => …}</ToolForm>`. */
export function ToolForm({ tool, children }: ToolFormProps): ReactNode {
  return children(useToolForm(tool));
}
