/**
 * The columns of a job row that PostgREST selects (the table's internal ordering columns are
 * left out): one list for SupabaseStore and for the browser's realtimeJobSource.
 */
export const JOB_COLUMNS =
  'id,tool,user_id,pool,status,input,output,waited_in_queue,position,task_id,user_credit_cost,credit_state,error_code,error_message,progress,attempts,provider_input,retry_at,created_at,queued_at,started_at,completed_at,updated_at';
