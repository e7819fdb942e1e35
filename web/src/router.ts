// Hash routes (#/accounts/acme): the app is served from one index.html, and nothing sensitive is ever
// part of the location.
import { useEffect, useState } from 'react';

export interface Route {
  /** The page named in the location; empty when none is (the role's home page is shown). */
  page: string;
  id: string | null;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = '', ...rest] = path.split('/');
  return {
    page,
    id: rest.length ? decodeURIComponent(rest.join('/')) : null,
    query: new URLSearchParams(search),
  };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

export function href(page: string, id?: string | null): string {
  return id ? `#/${page}/${encodeURIComponent(id)}` : `#/${page}`;
}

export function navigate(page: string, id?: string | null): void {
  window.location.hash = href(page, id);
}
