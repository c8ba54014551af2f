/**
 * The library's rows, generated from (seed, position): group g, member m of group g, image i of
 * member m. Any group can be regenerated alone, identically, which is what lets a prepare resume
 * where it stopped and split its groups across connections.
 */
import { deriveSeed, seededRandom } from './random.js';
import { description, uuidName } from './names.js';

export interface Scale {
  groups: number;
  members: number;
  images: number;
}

export const SCALES: Record<'tiny' | 'small' | 'seed', Scale> = {
  tiny: { groups: 4, members: 10, images: 10 },
  // 1 M images: 100 workers at ~10 000 inserts/s do not run out of work within 60 s.
  small: { groups: 100, members: 1000, images: 10 },
  // The seed document's test: 1000 × 1000 × 10 = 10 M images.
  seed: { groups: 1000, members: 1000, images: 10 },
};

export interface GroupRows {
  name: string;
  description: string;
  members: Array<{ name: string; description: string; images: Array<{ fileId: string; description: string }> }>;
}

const GROUP = 1;
const MEMBER = 2;
const IMAGE = 3;

export function groupName(seed: number, g: number): string {
  return uuidName(seededRandom(deriveSeed(seed, GROUP, g)));
}

export function generateGroup(seed: number, g: number, scale: Scale): GroupRows {
  const groupRandom = seededRandom(deriveSeed(seed, GROUP, g));
  const name = uuidName(groupRandom);
  const members: GroupRows['members'] = [];
  for (let m = 0; m < scale.members; m++) {
    const memberRandom = seededRandom(deriveSeed(seed, MEMBER, g, m));
    const memberName = uuidName(memberRandom);
    const memberDescription = description(memberRandom);
    const images: Array<{ fileId: string; description: string }> = [];
    for (let i = 0; i < scale.images; i++) {
      const imageRandom = seededRandom(deriveSeed(seed, IMAGE, g, m, i));
      images.push({ fileId: uuidName(imageRandom), description: description(imageRandom) });
    }
    members.push({ name: memberName, description: memberDescription, images });
  }
  return { name, description: description(groupRandom), members };
}
