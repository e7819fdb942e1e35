// Model name → the upstreams that serve it, from the config's `models` map (`*` catches the rest).
import type { Config } from '../config/config.js';
import { WardenError } from '../errors.js';
import type { Upstream } from '../upstreams/upstream.js';

export interface ResolvedRoute {
  /** Tried in order: the primary, then each fallback. */
  upstreams: Upstream[];
  /** The name the upstream knows the model by. */
  upstreamModel: string;
}

export interface ModelRoutes {
  resolve(model: string): ResolvedRoute;
  /** The model names clients may ask for (without the `*` catch-all). */
  names(): string[];
}

export function createModelRoutes(config: Config, upstreams: Map<string, Upstream>): ModelRoutes {
  const routes = new Map<string, ResolvedRoute>();
  for (const [model, route] of Object.entries(config.models)) {
    routes.set(model, {
      upstreams: [route.upstream, ...route.fallback].map((name) => upstreams.get(name) as Upstream),
      upstreamModel: route.upstream_model ?? model,
    });
  }
  const catchAll = routes.get('*');
  return {
    resolve(model) {
      const route = routes.get(model);
      if (route) return route;
      if (catchAll) return catchAll.upstreamModel === '*' ? { ...catchAll, upstreamModel: model } : catchAll;
      throw new WardenError('model_not_found', { model }, { param: 'model' });
    },
    names: () => [...routes.keys()].filter((m) => m !== '*'),
  };
}
