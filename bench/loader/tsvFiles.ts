/** The loader's rows written as TSV files for LOAD DATA LOCAL INFILE (untimed). */
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Design } from '../../src/schema/designs/design.js';
import type { LibraryTables } from '../../src/schema/tables.js';
import { generateGroup, type GroupRows, type Scale } from '../../src/data/hierarchy.js';
import { featureSlice, type FeatureSource } from '../../src/data/featureSource.js';
import { firstFeatureSlice } from '../../src/schema/loader.js';

export interface DataFile {
  table: string;
  path: string;
  columns: string[];
  rows: number;
  bytes: number;
}

/**
 * A table's TSV file, or with `chunkRows` a series of files of about that many rows each (one
 * LOAD DATA, hence one transaction, per file). Respects the streams' back-pressure.
 */
class TsvFile {
  private stream: WriteStream;
  private path: string;
  private rows = 0;
  private readonly done: DataFile[] = [];
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;

  constructor(
    readonly table: string,
    private readonly base: string,
    readonly columns: string[],
    private readonly chunkRows: number,
  ) {
    this.path = this.nextPath();
    this.stream = createWriteStream(this.path);
  }

  private nextPath(): string {
    return this.chunkRows > 0 ? `${this.base}.${String(this.done.length).padStart(5, '0')}.tsv` : `${this.base}.tsv`;
  }

  /** `text` holds `rows` complete lines. */
  async add(text: string | Buffer, rows = 1): Promise<void> {
    if (this.chunkRows > 0 && this.rows >= this.chunkRows) {
      await this.finishFile();
      this.path = this.nextPath();
      this.stream = createWriteStream(this.path);
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    this.rows += rows;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.concat(this.pending.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  private async finishFile(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    this.done.push({ table: this.table, path: this.path, columns: this.columns, rows: this.rows, bytes: (await stat(this.path)).size });
    this.rows = 0;
  }

  async close(): Promise<DataFile[]> {
    await this.finishFile();
    return this.done;
  }
}

/** Bytes as LOAD DATA reads them with ESCAPED BY '\\': tab, newline, NUL and backslash escaped. */
function escapeBinary(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x00) {
      out[n++] = 0x5c;
      out[n++] = b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : b === 0x00 ? 0x30 : 0x5c;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * The loader's rows, as files. Ids are what a lone loader would get: groups, members and images
 * numbered 1, 2, ... in generation order. Features: the loader starts group g at slice
 * g × members × images, gives image p of the group (in the order its pending-keys query returns
 * them) the next slices, then continues the numbering in the next version's table; the natural
 * design's query orders a group's images by (member name, file id).
 */
export async function writeFiles(
  dir: string,
  design: Design,
  tables: LibraryTables,
  scale: Scale,
  seed: number,
  features: FeatureSource | undefined,
  chunkRows: number,
): Promise<DataFile[]> {
  const natural = design.name === 'natural';
  const groupFile = new TsvFile(tables.group, join(dir, 'group'), natural ? ['name', 'description'] : ['id', 'name', 'description'], chunkRows);
  const memberFile = new TsvFile(tables.member, join(dir, 'member'), natural ? ['group_name', 'name', 'description'] : ['id', 'group_id', 'name', 'description'], chunkRows);
  const imageFile = new TsvFile(
    tables.image,
    join(dir, 'image'),
    natural ? ['group_name', 'member_name', 'file_id', 'description'] : ['id', 'member_id', 'file_id', 'description'],
    chunkRows,
  );
  const featureFiles = features
    ? [...tables.features.values()].map((table, v) => new TsvFile(table, join(dir, `feature-${v}`), [...design.featureKeyColumns, 'feature'], chunkRows))
    : [];
  let memberId = 0;
  let imageId = 0;
  for (let g = 0; g < scale.groups; g++) {
    const group: GroupRows = generateGroup(seed, g, scale);
    const groupId = g + 1;
    await groupFile.add(natural ? `${group.name}\t${group.description}\n` : `${groupId}\t${group.name}\t${group.description}\n`);
    const keys: Array<{ memberId: number; imageId: number; memberName: string; fileId: string }> = [];
    let memberLines = '';
    let imageLines = '';
    for (const member of group.members) {
      memberId++;
      memberLines += natural ? `${group.name}\t${member.name}\t${member.description}\n` : `${memberId}\t${groupId}\t${member.name}\t${member.description}\n`;
      for (const image of member.images) {
        imageId++;
        imageLines += natural
          ? `${group.name}\t${member.name}\t${image.fileId}\t${image.description}\n`
          : `${imageId}\t${memberId}\t${image.fileId}\t${image.description}\n`;
        if (features) keys.push({ memberId, imageId, memberName: member.name, fileId: image.fileId });
      }
    }
    await memberFile.add(memberLines, group.members.length);
    await imageFile.add(imageLines, group.members.length * scale.images);
    if (features) {
      // As src/data/loader.ts numbers them (loadGroupFeatures); the fingerprints catch a divergence.
      const firstSlice = firstFeatureSlice(g, scale, tables.features.size);
      if (natural) keys.sort((a, b) => (a.memberName < b.memberName ? -1 : a.memberName > b.memberName ? 1 : a.fileId < b.fileId ? -1 : a.fileId > b.fileId ? 1 : 0));
      for (const [v, file] of featureFiles.entries()) {
        for (const [p, key] of keys.entries()) {
          const keyText =
            design.name === 'surrogate' ? `${key.imageId}` : design.name === 'clustered' ? `${key.memberId}\t${key.imageId}` : `${group.name}\t${key.memberName}\t${key.fileId}`;
          await file.add(Buffer.concat([Buffer.from(`${keyText}\t`), escapeBinary(featureSlice(features, firstSlice + v * keys.length + p)), Buffer.from('\n')]));
        }
      }
    }
  }
  // Parents first: the foreign keys are checked as the rows arrive.
  const files: DataFile[] = [];
  for (const file of [groupFile, memberFile, imageFile, ...featureFiles]) files.push(...(await file.close()));
  return files;
}
