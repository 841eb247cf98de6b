// What reflection knows: the files of the buf image plus the built-in services' files, looked up by file name, by
// symbol and by extension, each answer carrying the file's transitive imports (a client cannot build a descriptor
// without them, and grpcurl does not ask for them separately).
import { createFileRegistry, fromBinary, toBinary, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

export class DescriptorCatalog {
  /** Encoded FileDescriptorProto per file name, filled on first use. */
  private readonly encoded = new Map<string, Uint8Array>();

  private constructor(private readonly registry: FileRegistry) {}

  /** `image` is a serialized FileDescriptorSet (a buf image); `extra` files may import its files. */
  static fromImage(image: Uint8Array, extra: readonly FileDescriptorProto[]): DescriptorCatalog {
    const set = fromBinary(FileDescriptorSetSchema, image);
    set.file.push(...extra);
    return new DescriptorCatalog(createFileRegistry(set));
  }

  /** Fully qualified names of every service described, sorted. */
  serviceNames(): string[] {
    const names: string[] = [];
    for (const desc of this.registry) if (desc.kind === 'service') names.push(desc.typeName);
    return names.sort();
  }

  /** "computetask.proto" → that file and its imports; undefined when unknown. */
  fileByName(name: string): Uint8Array[] | undefined {
    const file = this.registry.getFile(name);
    return file && this.withImports(file);
  }

  /**
   * A message, enum, service or extension by full name, or one of their members ("pkg.Service.Method",
   * "pkg.Message.field"), which grpcurl asks for when describing them.
   */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined {
    const file = this.registry.get(symbol)?.file ?? this.memberFile(symbol);
    return file && this.withImports(file);
  }

  fileContainingExtension(containingType: string, extensionNumber: number): Uint8Array[] | undefined {
    const message = this.registry.getMessage(containingType);
    const extension = message && this.registry.getExtensionFor(message, extensionNumber);
    return extension && this.withImports(extension.file);
  }

  /** undefined for an unknown message type. */
  extensionNumbers(containingType: string): number[] | undefined {
    if (!this.registry.getMessage(containingType)) return undefined;
    const numbers: number[] = [];
    for (const desc of this.registry) {
      if (desc.kind === 'extension' && desc.extendee.typeName === containingType) numbers.push(desc.number);
    }
    return numbers.sort((a, b) => a - b);
  }

  private memberFile(symbol: string): DescFile | undefined {
    const dot = symbol.lastIndexOf('.');
    if (dot < 0) return undefined;
    const parent = this.registry.get(symbol.slice(0, dot));
    const member = symbol.slice(dot + 1);
    switch (parent?.kind) {
      case 'service':
        return parent.methods.some((m) => m.name === member) ? parent.file : undefined;
      case 'message':
        return parent.fields.some((f) => f.name === member) || parent.oneofs.some((o) => o.name === member)
          ? parent.file
          : undefined;
      default:
        return undefined;
    }
  }

  /** The file first, then every file it imports directly or not, each once. */
  private withImports(file: DescFile): Uint8Array[] {
    const seen = new Set<DescFile>([file]);
    const queue = [file];
    for (let i = 0; i < queue.length; i++) {
      for (const dependency of queue[i]?.dependencies ?? []) {
        if (seen.has(dependency)) continue;
        seen.add(dependency);
        queue.push(dependency);
      }
    }
    return queue.map((f) => this.encode(f));
  }

  private encode(file: DescFile): Uint8Array {
    let bytes = this.encoded.get(file.proto.name);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.encoded.set(file.proto.name, bytes);
    }
    return bytes;
  }
}
