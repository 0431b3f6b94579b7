import CNN
import Crypto
import Foundation
import Models
import PipeEngine

/// One graph node's values for every image, computed by the frozen part of a model: the pooled features when
/// the whole backbone is frozen, or the frozen prefix's output under `freeze: {until:}`.
///
/// The values persist in a cache shelf of the store, one entry per image content, so every later run, stage or
/// pipeline with the same frozen weights, cut point, input size, preprocessing and kernels reads them instead of
/// running the layers again; a changed lr, head, epoch count or split reuses every image, and added images are
/// the only ones computed. Entries are memory-mapped (the page cache keeps them in RAM when they fit), carry a
/// checksum checked when mapped, and a damaged one is computed again.
final class ActivationCache {
    enum Failure: Error, CustomStringConvertible {
        /// The disk cannot hold the values.
        case noSpace(bytes: Int, folder: String)

        var description: String {
            switch self {
            case .noSpace(let bytes, let folder):
                "the cached activations need \(bytes / 1_000_000 + 1) MB more in \(folder), and its disk is full; free space (`pipe gc` removes unused shelves) and run again"
            }
        }
    }

    /// Bumped whenever decoding, resizing or the layers' arithmetic change the values computed for an image.
    static let valuesVersion = 1

    /// The shape of one image's values, e.g. `[14, 14, 1024]` or `[1920]`.
    private(set) var shape: [Int] = []
    private var perImage: Int { shape.reduce(1, *) }
    private var valuesOf: [String: UnsafePointer<Float>] = [:]
    private var hashOf: [String: String] = [:]
    private var mappings: [(UnsafeMutableRawPointer, Int)] = []
    private var buffers: [UnsafeMutableRawPointer] = []
    /// The shelf the values live in.
    let shelf: CacheShelf
    /// How many distinct images were read from the shelf rather than computed.
    private(set) var reused = 0

    /// Reads the values of every distinct image of `rows` from the shelf, running `model.graph` through `node`
    /// (its output when nil) in inference mode on the images it lacks. `reserve(descriptor, bytes)` allocates
    /// an entry's blocks before it is written and returns 0 or an errno (tests pass a full disk).
    init(model: Model, node: Int?, rows: [ManifestEntry], size: Int, context: StageContext, batchSize: Int = 16,
         reserve: @escaping (Int32, Int) -> Int32 = { posix_fallocate($0, 0, off_t($1)) }) throws {
        shelf = context.shelf(Self.shelfName(model: model, node: node, size: size))
        var pathOf: [String: String] = [:]
        for row in rows where hashOf[row.path] == nil {
            let hash = row.sha256.count == 64 ? row.sha256 : try ContentHasher.sha256(file: row.path)
            hashOf[row.path] = hash
            if pathOf[hash] == nil { pathOf[hash] = row.path }
        }
        let hashes = pathOf.keys.sorted()
        var missing: [String] = []
        for hash in hashes {
            switch try map(hash) {
            case .mapped: reused += 1
            case .absent: missing.append(hash)
            case .damaged(let why):
                context.note("cached activations \(shelf.url(hash).path) were damaged (\(why)); computing them again")
                unlink(shelf.url(hash).path)
                missing.append(hash)
            }
        }
        let what = node == nil ? "backbone features" : "frozen layers' activations"
        if reused > 0 {
            context.note("\(what): \(reused) of \(hashes.count) images from the store's cache (shelf \(shelf.name))"
                         + (missing.isEmpty ? "" : "; computing \(missing.count)"))
        }
        let graph = model.graph
        for start in stride(from: 0, to: missing.count, by: batchSize) {
            if context.isCancelled { throw EngineError.cancelled }
            let chunk = Array(missing[start..<min(start + batchSize, missing.count)])
            let input = try TrainedClassifier.batch(chunk.map { pathOf[$0]! }, size: size, preprocessing: model.preprocessing)
            let output = try node.map { try graph.forward(input, mode: .inference, through: $0) } ?? graph.forward(input, mode: .inference)
            if shape.isEmpty { shape = Array(output.shape.dropFirst()) }
            for (i, hash) in chunk.enumerated() {
                let values = UnsafeBufferPointer(start: output.data + i * perImage, count: perImage)
                try store(values, as: hash, reserve: reserve, remaining: missing.count - start - i)
                guard case .mapped = try map(hash) else { throw StageError.cannotWrite(shelf.url(hash).path) }
            }
            context.progress(start + chunk.count, of: missing.count, unit: "images", detail: what)
        }
    }

    deinit {
        for (address, length) in mappings { munmap(address, length) }
        for buffer in buffers { buffer.deallocate() }
    }

    /// The values of `rows` as one `[N] + shape` tensor.
    func batch(_ rows: [ManifestEntry]) throws -> Tensor {
        let tensor = Tensor(shape: [rows.count] + shape)
        for (i, row) in rows.enumerated() {
            guard let hash = hashOf[row.path], let values = valuesOf[hash] else {
                throw StageError.badInput(file: row.path, reason: "has no cached activations")
            }
            (tensor.data + i * perImage).update(from: values, count: perImage)
        }
        return tensor
    }

    /// The shelf of values made by `model`'s frozen weights through `node` at `size`: its name says what it holds
    /// and ends with the hash of everything the values depend on, the weights' bytes included.
    static func shelfName(model: Model, node: Int?, size: Int) -> String {
        var digest = SHA256()
        let recipe = [
            "pipe activations v\(valuesVersion)", "architecture \(model.architecture.rawValue)", "variant \(model.variant.rawValue)",
            "through \(node.map { "node \($0)" } ?? "pooled features")", "size \(size)",
            "preprocessing \(model.preprocessing.rawValue)", "gemm \(GemmKernel.current.rawValue)",
        ].joined(separator: "\n")
        digest.update(data: Data(recipe.utf8))
        for (name, tensor) in model.state {
            digest.update(data: Data("\n\(name) \(tensor.shape)\n".utf8))
            digest.update(bufferPointer: UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * MemoryLayout<Float>.stride))
        }
        let hash = digest.finalize().map { String(format: "%02x", $0) }.joined()
        return "\(model.architecture.rawValue)-\(node.map { "node\($0)" } ?? "features")-\(size)px-\(hash.prefix(20))"
    }

    // MARK: Entries

    /// An entry: 64 bytes of header (magic, checksum of the values, value count, rank, up to four dimensions, all
    /// little-endian UInt64) followed by the float values.
    private static let magic: UInt64 = 0x3154_4341_4550_4950  // "PIPEACT1"
    private static let headerWords = 8

    private enum Lookup {
        case mapped, absent
        case damaged(String)
    }

    /// Maps entry `hash` when it is there and intact.
    private func map(_ hash: String) throws -> Lookup {
        let path = shelf.url(hash).path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .absent }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .damaged("cannot stat it") }
        let length = Int(info.st_size)
        let headerBytes = Self.headerWords * 8
        guard length >= headerBytes else { return .damaged("\(length) bytes, shorter than its header") }
        guard let address = mapOrRead(descriptor, length) else { return .damaged("cannot read it: \(String(cString: strerror(errno)))") }
        let header = address.assumingMemoryBound(to: UInt64.self)
        let count = Int(UInt64(littleEndian: header[2])), rank = Int(UInt64(littleEndian: header[3]))
        let dims = (0..<min(rank, 4)).map { Int(UInt64(littleEndian: header[4 + $0])) }
        let values = UnsafePointer((address + headerBytes).assumingMemoryBound(to: Float.self))
        let problem: String? = if UInt64(littleEndian: header[0]) != Self.magic {
            "not a pipe activations file"
        } else if rank < 1 || rank > 4 || dims.reduce(1, *) != count || length != headerBytes + count * 4 {
            "its header does not match its size"
        } else if !shape.isEmpty && dims != shape {
            "its shape \(dims) is not the other images' \(shape)"
        } else if Self.checksum(UnsafeBufferPointer(start: values, count: count)) != UInt64(littleEndian: header[1]) {
            "its checksum does not match its values"
        } else {
            nil
        }
        if let problem {
            release(address, length)
            return .damaged(problem)
        }
        if shape.isEmpty { shape = dims }
        valuesOf[hash] = values
        return .mapped
    }

    /// The file's bytes, memory-mapped; read into memory when the process has no mappings left (a data set of
    /// more images than `vm.max_map_count` allows); nil when neither works.
    private func mapOrRead(_ descriptor: Int32, _ length: Int) -> UnsafeMutableRawPointer? {
        if let address = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED {
            mappings.append((address, length))
            return address
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 64)
        var offset = 0
        while offset < length {
            let got = pread(descriptor, buffer + offset, length - offset, off_t(offset))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                buffer.deallocate()
                return nil
            }
            offset += got
        }
        buffers.append(buffer)
        return buffer
    }

    private func release(_ address: UnsafeMutableRawPointer, _ length: Int) {
        if let index = mappings.lastIndex(where: { $0.0 == address }) {
            munmap(address, length)
            mappings.remove(at: index)
        } else if let index = buffers.lastIndex(of: address) {
            address.deallocate()
            buffers.remove(at: index)
        }
    }

    /// Writes one image's values as entry `hash`.
    private func store(_ values: UnsafeBufferPointer<Float>, as hash: String, reserve: @escaping (Int32, Int) -> Int32,
                       remaining: Int) throws {
        var header = [UInt64](repeating: 0, count: Self.headerWords)
        header[0] = Self.magic
        header[1] = Self.checksum(values)
        header[2] = UInt64(values.count)
        header[3] = UInt64(shape.count)
        for (i, dim) in shape.prefix(4).enumerated() { header[4 + i] = UInt64(dim) }
        let littleEndian = header.map(\.littleEndian)
        do {
            try littleEndian.withUnsafeBytes { head in
                try shelf.write(hash, parts: [head, UnsafeRawBufferPointer(values)], reserve: reserve)
            }
        } catch CacheShelf.WriteFailure.noSpace {
            throw Failure.noSpace(bytes: remaining * values.count * 4, folder: shelf.folder.path)
        } catch CacheShelf.WriteFailure.failed(let path, let reason) {
            throw StageError.badInput(file: path, reason: "cannot be written (\(reason)); check the store's folder")
        }
    }

    /// A 64-bit FNV-1a over the values' bit patterns: cheap next to reading them, and any changed word changes it.
    private static func checksum(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }
}
