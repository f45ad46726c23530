import type { z } from 'zod';
import { configSchema } from '../../lambdas/contracts/config/schema';

type Def = {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
};

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * Every leaf field path of the config schema (e.g. "training.spot.enabled"), for checking that the
 * README's config reference documents exactly the fields the schema accepts.
 */
export function configFieldPaths(schema: z.ZodType = configSchema, prefix = ''): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'optional':
      return configFieldPaths(def.innerType!, prefix);
    case 'object': {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      return Object.entries(shape).flatMap(([key, child]) => configFieldPaths(child, prefix ? `${prefix}.${key}` : key));
    }
    case 'union': {
      const paths = def.options!.flatMap((option) => configFieldPaths(option, prefix));
      return [...new Set(paths)];
    }
    case 'record': {
      // A map of named entries (e.g. stages): documented as "<prefix>.<name>.<field>" when its values are objects.
      const value = def.valueType!;
      const inner = configFieldPaths(value, `${prefix}.<name>`);
      return inner.length === 1 && inner[0] === `${prefix}.<name>` ? [prefix] : inner;
    }
    case 'pipe':
      return configFieldPaths(def.in!, prefix);
    case 'array': {
      const element = def.element!;
      return defOf(element).type === 'object' ? configFieldPaths(element, `${prefix}[]`) : [prefix];
    }
    default:
      return [prefix];
  }
}
