// TypeDoc plugin: names each entry point's module by its import path (`@jobgate/core/client`)
// instead of its file path (`core/src/client`), so the API reference reads like the imports.
import { Converter, ReflectionKind } from 'typedoc';

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const match = /^([a-z-]+)\/src(?:\/(.+))?$/.exec(module.name);
      if (match) module.name = `@jobgate/${match[1]}${match[2] ? `/${match[2]}` : ''}`;
    }
  });
}
