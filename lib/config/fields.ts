import type { z } from 'zod';
import { configSchema } from './schema';

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; element?: z.ZodType };

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
    case 'array': {
      const element = def.element!;
      return defOf(element).type === 'object' ? configFieldPaths(element, `${prefix}[]`) : [prefix];
    }
    default:
      return [prefix];
  }
}
