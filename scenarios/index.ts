/** The scenarios the CLI offers, by name. */
import type { Scenario } from '../src/engine/scenario.js';
import { insertFeatures } from './insert-features.js';
import { insertMembers } from './insert-members.js';
import { rankMembers } from './rank-members.js';
import { readMemberFeatures } from './read-member-features.js';
import { readWrite } from './read-write.js';
import { replaceMemberImages } from './replace-member-images.js';

const DEFINED: Scenario[] = [insertFeatures, insertMembers, rankMembers, readMemberFeatures, readWrite, replaceMemberImages];

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(DEFINED.map((scenario) => [scenario.name, scenario]));
