import { toJobGateError } from '../domain/errors.js';
import type { JsonObject } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import type { ClientMachine, ClientSession } from './clientMachine.js';
import type { JobClientOptions } from './jobClientOptions.js';
import { IDLE_STATE } from './jobClientState.js';
import { randomJobId } from './jobHelpers.js';
import { type ClientFile, uploadFiles } from './uploadFiles.js';

export interface SubmitJobRequest
  extends Pick<JobClientOptions, 'transport' | 'uploader' | 'userId' | 'generateId'> {
  tool: string;
  input: JsonObject;
  files: Readonly<Record<string, ClientFile>> | undefined;
  /** Shows the steps and takes the outcome. */
  machine: ClientMachine;
  /** Its signal is aborted by the user's cancel; once it is no longer current, nothing more is sent or shown. */
  session: ClientSession;
}

/**
 * The request phase of a run: the active-job check, a job id chosen here (the server's
 * idempotency key, so a submit whose answer was lost is neither doubled nor lost), the
 * uploads under that id, and `POST /jobs`. The outcome goes to the machine: the answer
 * to follow, a block by another active job, or a failure; after an error the chosen id
 * gets a failsafe cancel, since the submit may have got through. Never rejects.
 */
export async function submitJob(request: SubmitJobRequest): Promise<void> {
  const { transport, tool, input, files, machine, session } = request;
  const { signal, current } = session;
  const { store, failsafe } = machine;
  let jobId: string | undefined;
  try {
    // The previous run's failsafe cancel settles first, so the active-job check sees it.
    const after = failsafe.inFlight();
    if (after) await after;
    if (!current()) return;
    const active = await transport.active(signal);
    if (!current()) return;
    if (active && !isTerminal(active.status)) return machine.block(session, active);
    jobId = (request.generateId ?? randomJobId)();
    let finalInput = input;
    if (files && Object.keys(files).length > 0) {
      store.set({ ...IDLE_STATE, status: 'uploading', tool, jobId, progress: 0, isBusy: true });
      const paths = await uploadFiles({
        ...request,
        jobId,
        files,
        signal,
        current,
        onProgress: (progress) => {
          const state = store.getSnapshot();
          if (current() && state.status === 'uploading' && state.progress !== progress) {
            store.set({ ...state, progress });
          }
        },
      });
      if (!current()) return;
      finalInput = { ...input, ...paths };
    }
    store.set({ ...IDLE_STATE, status: 'starting', tool, jobId, isBusy: true });
    const job = await transport.submit({ jobId, tool, input: finalInput }, signal);
    machine.answer(session, job, jobId, true);
  } catch (error) {
    if (!current()) return;
    const err = toJobGateError(error, 'INTERNAL', jobId);
    // Another tab started a job between our check and our submit: show it. Within a
    // session only the user's cancel aborts the signal, and then the user wants no job.
    if (err.code === 'ACTIVE_JOB_EXISTS' && !signal.aborted) {
      const other = await transport.active().catch(() => null);
      if (!current()) return;
      if (other && !isTerminal(other.status)) {
        if (jobId) failsafe.send(jobId);
        return machine.block(session, other);
      }
    }
    machine.fail(session, err, jobId, true);
  }
}
