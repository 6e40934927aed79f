/** The server log: one entry per failed request, with its request id. */
export interface Logger {
  error(message: string, fields: Record<string, unknown>): void;
}

/** console.error, one line per entry. */
export const consoleLogger: Logger = {
  error: (message, fields) => console.error(`[jobgate] ${message}`, fields),
};
