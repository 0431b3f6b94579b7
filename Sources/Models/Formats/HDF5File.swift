import Foundation
import HDF5Snapshot
import PipeBase

/// A read-only HDF5 file with just what Keras weight files need: string-array attributes, group listings and float
/// datasets.
///
/// libhdf5 crashes, reads out of bounds or loops on some damaged files, so it runs only in a forked child process
/// (`hdf5_snapshot_take`) that writes a snapshot of the objects reachable by hard links; a child that dies or runs
/// out of time becomes an error here, and this type answers from the snapshot.
final class HDF5File {
    /// Failures the child commits on purpose, for tests of how they are reported.
    enum Fault: Int32 {
        case none = 0, segmentationFault = 1, hang = 2
    }

    /// The seconds the child may take for one file: `PIPE_HDF5_TIME_LIMIT`, or 120.
    static let timeLimit: UInt32 = ProcessInfo.processInfo.environment["PIPE_HDF5_TIME_LIMIT"].flatMap { UInt32($0) } ?? 120

    let path: String
    private let contents: HDF5Contents

    /// Reads `path` and runs `body` with it. Only the attributes named in `strings` (all when nil) are read, and
    /// without `values` no dataset's values; `stringsAttribute` and `floats` throw for what was left out.
    static func read<T>(path: String, strings: [String]? = nil, values: Bool = true, _ body: (HDF5File) throws -> T) throws -> T {
        try read(path: path, strings: strings, values: values, timeLimit: timeLimit, fault: .none, body)
    }

    static func read<T>(path: String, strings: [String]? = nil, values: Bool = true, timeLimit: UInt32, fault: Fault,
                        _ body: (HDF5File) throws -> T) throws -> T {
        try body(HDF5File(path: path, strings: strings, values: values, timeLimit: timeLimit, fault: fault))
    }

    private init(path: String, strings: [String]?, values: Bool, timeLimit: UInt32, fault: Fault) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError.unreadableWeights(path: path, reason: "no such file")
        }
        // The most bytes a dataset or attribute, and all of them together, may expand to: as much as gzip could
        // inflate the whole file (about 1,030×), with a floor for small files; larger claims are refused unread.
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let expansionLimit = max(256 << 20, bytes.multipliedReportingOverflow(by: 1100).overflow ? Int.max : bytes * 1100)
        // Beyond the values: names, shapes and strings' lengths.
        let snapshotLimit = expansionLimit.addingReportingOverflow(64 << 20).overflow ? Int.max : expansionLimit + (64 << 20)
        var snapshot = hdf5_snapshot()
        let options = fault.rawValue | (values ? 0 : Int32(HDF5_SNAPSHOT_NO_VALUES))
        let names = strings.map { $0.map { strdup($0) } + [nil] }
        defer { names?.forEach { free($0) } }
        if let names {
            names.map { UnsafePointer($0) }.withUnsafeBufferPointer { list in
                _ = hdf5_snapshot_take(path, UInt64(expansionLimit), snapshotLimit, timeLimit, options, list.baseAddress, &snapshot)
            }
        } else {
            hdf5_snapshot_take(path, UInt64(expansionLimit), snapshotLimit, timeLimit, options, nil, &snapshot)
        }
        let output = snapshot.bytes.map { Data(bytesNoCopy: $0, count: snapshot.count, deallocator: .free) } ?? Data()
        if let failure = Self.failure(ending: snapshot.ending, code: snapshot.code, snapshotLimit: snapshotLimit) {
            throw ModelError.unreadableWeights(path: path, reason: failure)
        }
        do {
            contents = try HDF5Contents(output)
        } catch {
            let offset = (error as? SnapshotReader.Garbled)?.offset ?? 0
            throw ModelError.unreadableWeights(path: path, reason: "the HDF5 reader process's output is damaged at byte \(offset) of \(output.count)")
        }
        if contents.truncated {
            throw ModelError.unreadableWeights(path: path, reason: "its groups nest deeper than \(HDF5_SNAPSHOT_DEPTH_LIMIT) levels or hold more than \(HDF5_SNAPSHOT_OBJECT_LIMIT) objects: the file is damaged or not an HDF5 weights file")
        }
    }

    /// Why a child that ended as `ending` with `code` left no snapshot; nil when it wrote one.
    static func failure(ending: Int32, code: Int32, snapshotLimit: Int) -> String? {
        let damaged = "the file is damaged or not an HDF5 weights file"
        switch (Int(ending), Int(code)) {
        case (HDF5_SNAPSHOT_EXITED, 0):
            return nil
        case (HDF5_SNAPSHOT_EXITED, HDF5_SNAPSHOT_UNOPENABLE):
            return "not a readable HDF5 file"
        case (HDF5_SNAPSHOT_EXITED, HDF5_SNAPSHOT_SANITIZER):
            return "the HDF5 library failed on this file (a memory error, caught by the address sanitizer); \(damaged)"
        case (HDF5_SNAPSHOT_EXITED, HDF5_SNAPSHOT_WRITE_FAILED):
            return "the HDF5 reader process could not write what it read"
        case (HDF5_SNAPSHOT_EXITED, let status):
            return "the HDF5 library failed on this file (its process exited with status \(status)); \(damaged)"
        case (HDF5_SNAPSHOT_SIGNALLED, let signal):
            let name = strsignal(Int32(signal)).map { String(cString: $0) } ?? "unknown"
            return "the HDF5 library failed on this file (killed by signal \(signal), \(name)); \(damaged)"
        case (HDF5_SNAPSHOT_TIMED_OUT, let seconds):
            return "the HDF5 library did not finish reading this file within \(seconds) s; \(damaged)"
        case (HDF5_SNAPSHOT_TOO_LARGE, _):
            return "its contents expand to more than \(snapshotLimit) bytes, more than the file can hold"
        case (_, let error):
            return "cannot start the HDF5 reader process (\(String(cString: strerror(Int32(error)))))"
        }
    }

    private func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }

    /// Whether every component of the slash-separated `path` is a link of the group before it.
    func exists(_ path: String) -> Bool {
        guard contents.objects[HDF5Contents.key(path)] == nil else { return true }
        var prefix = ""
        for component in path.split(separator: "/") {
            let next = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            guard contents.objects[prefix]?.memberSet.contains(String(component)) == true || contents.objects[next] != nil else {
                return false
            }
            prefix = next
        }
        return true
    }

    /// Whether the object at `object` (a group or dataset path; "/" for the root) has attribute `name`.
    func hasAttribute(_ name: String, of object: String = "/") -> Bool {
        contents.objects[HDF5Contents.key(object)]?.attributes[name] != nil
    }

    /// The strings of a string (or string-array) attribute, fixed-length or variable-length.
    func stringsAttribute(_ name: String, of object: String = "/") throws -> [String] {
        guard let owner = contents.objects[HDF5Contents.key(object)] else { throw fail("no object '\(object)'") }
        switch owner.attributes[name] {
        case nil:
            throw fail("'\(object)' has no attribute '\(name)'")
        case .strings(let strings)?:
            return strings
        case .notString?:
            throw fail("attribute '\(name)' of '\(object)' is not a string")
        case .tooManyValues(let points)?:
            throw fail("attribute '\(name)' of '\(object)' claims \(points) values, more than the file can hold")
        case .tooManyBytes(let count, let width)?:
            throw fail("attribute '\(name)' of '\(object)' claims \(count) strings of \(width) bytes, more than the file can hold")
        case .unreadable?:
            throw fail("cannot read attribute '\(name)'")
        case .notRead?:
            throw fail("the values of attribute '\(name)' of '\(object)' were not read")
        }
    }

    /// The names of a group's members in name order.
    func members(of group: String) throws -> [String] {
        guard case .group(let members, let complete)? = contents.objects[HDF5Contents.key(group)]?.body else {
            throw fail("no group '\(group)'")
        }
        guard complete else { throw fail("cannot list group '\(group)'") }
        return members
    }

    /// A float dataset's shape and values (converted to Float32 by libhdf5 from any float type).
    func floats(_ path: String) throws -> WeightArray {
        guard case .dataset(let dataset)? = contents.objects[HDF5Contents.key(path)]?.body else {
            throw fail("no dataset '\(path)'")
        }
        switch dataset {
        case .floats(let shape, let offset):
            return WeightArray(shape: shape, values: contents.floats(at: offset, count: shape.reduce(1, *)))
        case .notFloats:
            throw fail("dataset '\(path)' does not hold floats")
        case .tooLarge(let dims):
            throw fail("dataset '\(path)' claims shape \(dims), more values than the file can hold")
        case .damaged(let dims, let stored, let needed):
            throw fail("dataset '\(path)' stores \(stored) bytes, but its shape \(dims) needs \(needed): the file is damaged")
        case .unreadable:
            throw fail("cannot read dataset '\(path)'")
        case .notRead:
            throw fail("the values of dataset '\(path)' were not read")
        }
    }
}
