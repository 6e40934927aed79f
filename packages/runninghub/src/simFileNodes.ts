import { answerCode, type SimAnswer } from './simAnswer.js';
import type { SimNodeInfo } from './simTask.js';
import type { SimUploads } from './simUploads.js';

/**
 * The node fields that load a file, and the ComfyUI node class each belongs to: their value
 * must be the `fileName` of an upload of the same account (RunningHub loads it from there).
 * The one list the simulator checks starts against.
 */
export const SIM_FILE_FIELDS = {
  image: 'LoadImage',
  video: 'LoadVideo',
  audio: 'LoadAudio',
} as const satisfies Record<string, string>;

export type SimFileField = keyof typeof SIM_FILE_FIELDS;

export function isSimFileField(fieldName: string): fieldName is SimFileField {
  return Object.hasOwn(SIM_FILE_FIELDS, fieldName);
}

/** An uploaded file a task reads, as the simulator's `output` option receives it. */
export interface SimInput {
  nodeId: string;
  fieldName: string;
  /** RunningHub's name of the upload (`api/….png`), the node field's value. */
  fileName: string;
  /** The file's own name, as the upload form sent it (e.g. `person.png`). */
  name: string;
  bytes: Uint8Array;
  /** Read from the bytes (`sniffContentType` of @jobgate/core). */
  contentType: string;
  size: number;
}

/**
 * The uploads a start's file fields name, or the answer refusing it: a value that is not a
 * `fileName` this key uploaded (a storage path, a URL, another account's upload, one the
 * simulator forgot) fails ComfyUI's prompt validation, which RunningHub answers with 433
 * VALIDATE_PROMPT_FAILED and ComfyUI's `node_errors` ("Invalid image file: …").
 */
export function simInputsOf(
  nodes: readonly SimNodeInfo[],
  uploads: SimUploads,
  apiKey: string,
): { inputs: SimInput[] } | { refused: SimAnswer } {
  const inputs: SimInput[] = [];
  const errors: Record<string, unknown> = {};
  for (const node of nodes) {
    if (!isSimFileField(node.fieldName)) continue;
    const upload = uploads.own(apiKey, node.fieldValue);
    if (upload) {
      inputs.push({
        nodeId: node.nodeId,
        fieldName: node.fieldName,
        fileName: node.fieldValue as string,
        name: upload.name,
        bytes: upload.bytes,
        contentType: upload.contentType,
        size: upload.size,
      });
      continue;
    }
    errors[node.nodeId] = {
      errors: [
        {
          type: 'custom_validation_failed',
          message: 'Custom validation failed for node',
          details: `${node.fieldName} - Invalid ${node.fieldName} file: ${String(node.fieldValue)}`,
          extra_info: {},
        },
      ],
      dependent_outputs: ['9'],
      class_type: SIM_FILE_FIELDS[node.fieldName],
    };
  }
  if (Object.keys(errors).length === 0) return { inputs };
  const promptTips = JSON.stringify({
    result: false,
    error: {
      type: 'prompt_outputs_failed_validation',
      message: 'Prompt outputs failed validation',
      details: '',
      extra_info: {},
    },
    outputs_to_execute: [],
    node_errors: errors,
  });
  return { refused: answerCode(433, { promptTips }) };
}
