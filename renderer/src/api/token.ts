/**
 * The per-launch token. The server's `GET /?token=…` sets an HttpOnly cookie, which covers
 * fetches and the WebSocket on its own. As a fallback (a server without the cookie flow, or
 * a page opened some other way) the token from the first URL is kept in sessionStorage and
 * sent as a Bearer header. Either way it is removed from the address bar.
 */
const KEY = 'tensorloom.token';

export interface TokenSource {
  get(): string | null;
}

export function captureToken(location: Location, history: History, storage: Storage): TokenSource {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      storage.setItem(KEY, fromUrl);
    } catch {
      // Storage can be disabled; the cookie still works then.
    }
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  let remembered = fromUrl;
  return {
    get() {
      if (remembered) return remembered;
      try {
        remembered = storage.getItem(KEY);
      } catch {
        remembered = null;
      }
      return remembered;
    },
  };
}
