/** What RunningHub ids look like (task ids, app and workflow ids): 1–64 of `0-9A-Za-z_-`. */
export const RUNNINGHUB_ID = /^[0-9A-Za-z_-]{1,64}$/;
