/** The designs by name. */
import type { Design, DesignName } from './design.js';
import { natural } from './natural.js';
import { clustered, surrogate } from './surrogate.js';

export const DESIGNS: Record<DesignName, Design> = { surrogate, natural, clustered };
export const DESIGN_NAMES = Object.keys(DESIGNS) as DesignName[];

export function designOf(name: string): Design {
  const design = DESIGNS[name as DesignName];
  if (!design) throw new Error(`unknown design ${JSON.stringify(name)}; one of ${DESIGN_NAMES.join(', ')}`);
  return design;
}

export function tablesChildrenFirst(design: Design, tables: import('../tables.js').LibraryTables): string[] {
  return design.createTables(tables, {}).map((entry) => entry.table).reverse();
}
