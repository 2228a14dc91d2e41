/** A request the client must change: answered with `status` and `{ "error": message }`, never a crash. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
