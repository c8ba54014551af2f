/**
 * The table set of one clientFlag (one customer library, as the seed splits them). Names are
 * derived here and nowhere else; the flag is validated before it gets here.
 */
import { quoteIdent } from '../db/identifiers.js';

export interface LibraryTables {
  flag: string;
  group: string;
  member: string;
  image: string;
  /** The many-to-many variant: people, their group memberships, and a per-group count kept by triggers. */
  person: string;
  groupMember: string;
  groupCount: string;
  /** One feature table per model version. */
  features: Map<number, string>;
}

export function libraryTables(flag: string, versions: readonly number[]): LibraryTables {
  return {
    flag,
    group: `group_${flag}`,
    member: `member_${flag}`,
    image: `image_${flag}`,
    person: `person_${flag}`,
    groupMember: `group_member_${flag}`,
    groupCount: `group_count_${flag}`,
    features: new Map(versions.map((v) => [v, `feature_${flag}_${v}`])),
  };
}

export function featureTable(tables: LibraryTables, version: number): string {
  const name = tables.features.get(version);
  if (!name) throw new Error(`model version ${version} is not prepared for clientFlag ${tables.flag}`);
  return name;
}

/** `name` quoted as an identifier: the only way table names enter SQL text. */
export const q = quoteIdent;
