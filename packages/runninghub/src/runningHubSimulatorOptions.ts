import type { SimRates } from './simFaults.js';
import type { SimInput } from './simFileNodes.js';
import type { SimOutput, SimTask } from './simTask.js';

/** How a RunningHubSimulator behaves: its seed, limits, keys and the outputs it makes. */
export interface RunningHubSimulatorOptions {
  /** Same seed, same answers for the same sequence of calls. Default 1. */
  seed?: number;
  /** Tasks QUEUED or RUNNING at once per account; a start past it answers 421. Default 3. */
  concurrency?: number;
  /** Keys the account accepts. Default `['sim-key']`. */
  apiKeys?: readonly string[];
  /** Code for a missing or unknown key. Default 801 (as the real service answers). */
  badKeyCode?: 801 | 802;
  /** Loopback host. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Delay before each answer, [min, max] ms. Default [0, 0]. */
  latencyMs?: readonly [number, number];
  /** Time a task spends QUEUED before it runs, [min, max] ms. Default [0, 0]. */
  queueMs?: readonly [number, number];
  /** Time a task runs, [min, max] ms, or per task (e.g. longer for video). Default [50, 150]. */
  durationMs?: readonly [number, number] | ((task: SimTask) => readonly [number, number]);
  /**
   * The file a successful task produces (e.g. its input image with a visible mark), served
   * at the task's output URL. Called when the task ends with the task and the uploads its
   * file fields name (`inputs`, in nodeInfoList order, each with its bytes and sniffed type);
   * a throw fails the task. Return bytes (`{ data, contentType, ext }`) or, for a large file,
   * a stream (`{ size, contentType, ext, chunks() }`) read at each download and never held
   * whole. Default: a 1×1 PNG, or a minimal MP4 for a task with a video field.
   */
  output?: (task: SimTask, inputs: readonly SimInput[]) => SimOutput | Promise<SimOutput>;
  /**
   * Uploaded bytes kept in total (each start checks its file fields against them, `output`
   * reads them). Past it the oldest uploads are forgotten: a start naming one is refused
   * like any unknown file. Default 256 MiB.
   */
  uploadCapBytes?: number;
  /** Tasks run until {@link RunningHubSimulator.finish} is called. Default false. */
  manual?: boolean;
  rates?: SimRates;
  /** AI apps the account has (id → `nodeId:fieldName` it accepts); unknown ids answer 901. */
  apps?: Record<string, readonly string[] | null>;
  /** Workflows the account has; unknown ids answer 380. */
  workflows?: Record<string, readonly string[] | null>;
  /** Coins shown by the account status. Default 100000. */
  coins?: number;
}
