/** The scenarios the CLI offers, by name, with the module a load thread imports. */
import type { Scenario } from '../src/engine/scenario.js';
import { scenario as insertFeatures } from './insert-features.js';
import { scenario as replaceMemberImages } from './replace-member-images.js';
import { scenario as insertMembers } from './insert-members.js';
import { scenario as rankMembers } from './rank-members.js';
import { scenario as readMemberFeatures } from './read-member-features.js';
import { scenario as readWrite } from './read-write.js';

export interface ScenarioEntry {
  scenario: Scenario;
  /** file URL of the compiled module, imported again inside each load thread. */
  module: string;
}

export const SCENARIOS: Record<string, ScenarioEntry> = {
  'insert-features': { scenario: insertFeatures as unknown as Scenario, module: new URL('./insert-features.js', import.meta.url).href },
  'insert-members': { scenario: insertMembers as unknown as Scenario, module: new URL('./insert-members.js', import.meta.url).href },
  'rank-members': { scenario: rankMembers as unknown as Scenario, module: new URL('./rank-members.js', import.meta.url).href },
  'read-member-features': { scenario: readMemberFeatures as unknown as Scenario, module: new URL('./read-member-features.js', import.meta.url).href },
  'read-write': { scenario: readWrite as unknown as Scenario, module: new URL('./read-write.js', import.meta.url).href },
  'replace-member-images': { scenario: replaceMemberImages as unknown as Scenario, module: new URL('./replace-member-images.js', import.meta.url).href },
};
