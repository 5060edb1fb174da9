/** What a registry client needs to talk to one upstream. */
export interface UpstreamClient {
  baseUrl: string;
  userAgent: string;
  /** Largest metadata document accepted. */
  maxBytes: number;
  /** Requests a second this process may send (the upstream's published limit), if it has one. */
  perSecond?: number;
}
