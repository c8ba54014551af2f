/**
 * The member ids of a prepared library, per group, small enough to hand to every worker: a group
 * whose ids are consecutive (as prepare loads them, unless auto-increment interleaved them) is kept
 * as a range, any other as its list. Draws pick an existing id. Pure.
 */
import { ScriptValueError } from './expression.js';

export interface GroupMembers {
  groupId: number;
  first: number;
  count: number;
  /** Present when the ids are not first … first + count − 1. */
  ids?: number[];
}

export class MemberIndex {
  private readonly byGroup = new Map<number, GroupMembers>();
  /** Members before each group, for a draw over all members. */
  private readonly before: number[] = [];
  private readonly total: number;
  private readonly cursors = new Map<number, number>();

  constructor(private readonly groups: GroupMembers[]) {
    let total = 0;
    for (const group of groups) {
      this.byGroup.set(group.groupId, group);
      this.before.push(total);
      total += group.count;
    }
    this.total = total;
  }

  /** A member drawn uniformly from all groups, or from one. */
  memberId(random: () => number, groupId?: number): number {
    if (groupId !== undefined) {
      const group = this.group(groupId);
      return idAt(group, Math.floor(random() * group.count));
    }
    if (this.total === 0) throw new ScriptValueError('member_id(): the library has no members');
    const n = Math.floor(random() * this.total);
    let lo = 0;
    let hi = this.groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.before[mid]! <= n) lo = mid;
      else hi = mid - 1;
    }
    return idAt(this.groups[lo]!, n - this.before[lo]!);
  }

  /** The group's members in id order, one per call, starting again after the last. */
  nextMemberId(groupId: number): number {
    const group = this.group(groupId);
    const cursor = this.cursors.get(groupId) ?? 0;
    this.cursors.set(groupId, cursor + 1);
    return idAt(group, cursor % group.count);
  }

  groupId(random: () => number): number {
    if (!this.groups.length) throw new ScriptValueError('group_id(): the library has no groups');
    return this.groups[Math.floor(random() * this.groups.length)]!.groupId;
  }

  private group(groupId: number): GroupMembers {
    const group = this.byGroup.get(groupId);
    if (!group || group.count === 0) throw new ScriptValueError(`group ${groupId} has no members in this library`);
    return group;
  }
}

function idAt(group: GroupMembers, index: number): number {
  return group.ids ? group.ids[index]! : group.first + index;
}
