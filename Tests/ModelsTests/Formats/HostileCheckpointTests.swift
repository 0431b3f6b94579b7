import Foundation
import XCTest
import ZIPFoundation
@testable import Models

/// Weight files crafted to run code or escape their archive: each is refused, naming what it tried, and
/// nothing of it runs (the pickle machine has no way to call anything outside its allow-list).
final class HostileCheckpointTests: XCTestCase {
    /// A legacy-format `.pth` (torch.save before 1.6) whose state-dict pickle is `main`.
    private func legacyFile(_ main: [UInt8], name: String) throws -> String {
        let magic = [0x80, 0x02] + PyTorchCheckpoint.legacyMagic + [0x2E]
        let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        let info: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        let path = try temporaryDirectory(self).appendingPathComponent(name).path
        try Data(magic + version + info + main).write(to: URL(fileURLWithPath: path))
        return path
    }

    private static func line(_ text: String) -> [UInt8] { Array((text + "\n").utf8) }
    private static func shortString(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }

    private func refusal(_ main: [UInt8], name: String) throws -> String {
        let path = try legacyFile(main, name: name)
        return try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) }, "\(name) was accepted")
    }

    func testPicklesThatCallCodeAreRefusedNamingTheGlobal() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-pwned-\(UUID().uuidString)").path
        let command = Self.shortString("touch \(marker)")
        let cases: [(String, [UInt8], String)] = [
            // GLOBAL os.system, REDUCE with ("touch ...",)
            ("os-system.pth", [0x80, 0x02, 0x63] + Self.line("os") + Self.line("system") + command + [0x85, 0x52, 0x2E], "os.system"),
            ("posix-system.pth", [0x80, 0x02, 0x63] + Self.line("posix") + Self.line("system") + command + [0x85, 0x52, 0x2E], "posix.system"),
            // Protocol 4: STACK_GLOBAL subprocess.Popen
            ("popen.pth", [0x80, 0x04] + Self.shortString("subprocess") + Self.shortString("Popen") + [0x93] + command + [0x85, 0x52, 0x2E],
             "subprocess.Popen"),
            // builtins.eval hidden inside the arguments of an allowed OrderedDict call
            ("nested-eval.pth", [0x80, 0x02, 0x63] + Self.line("collections") + Self.line("OrderedDict") + [0x28, 0x63]
                + Self.line("builtins") + Self.line("eval") + Self.shortString("__import__('os')") + [0x85, 0x52, 0x74, 0x52, 0x2E],
             "builtins.eval"),
            ("getattr.pth", [0x80, 0x02, 0x63] + Self.line("builtins") + Self.line("getattr") + [0x2E], "builtins.getattr"),
        ]
        for (name, main, global) in cases {
            let text = try refusal(main, name: name)
            XCTAssertTrue(text.contains("it names the Python global `\(global)`, which is not part of a state dict of tensors, and pipe runs no code from weight files"), "\(name): \(text)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a hostile pickle ran a command")
    }

    func testOldOpcodesThatCallCodeAndBuildOnAGlobalAreRefused() throws {
        // Protocol 0 INST (`i`) and OBJ (`o`) call a class with arguments; pipe's machine has no such opcodes.
        let inst = try refusal([0x80, 0x02, 0x28, 0x69] + Self.line("os") + Self.line("system") + [0x2E], name: "inst.pth")
        XCTAssertTrue(inst.contains("unknown pickle opcode 0x69"), inst)
        let obj = try refusal([0x80, 0x02, 0x28, 0x63] + Self.line("os") + Self.line("system") + [0x6F, 0x2E], name: "obj.pth")
        XCTAssertTrue(obj.contains("`os.system`"), obj)
        // BUILD sets an object's state (`__setstate__`): only an OrderedDict's or a tensor's is accepted.
        let build = try refusal([0x80, 0x02, 0x63] + Self.line("torch._utils") + Self.line("_rebuild_tensor_v2") + [0x7D, 0x62, 0x2E],
                                name: "build.pth")
        XCTAssertTrue(build.contains("cannot set the state of"), build)
    }

    func testDeeplyNestedValuesAreRefusedNotAStackOverflow() throws {
        // 300,000 nested tuples (TUPLE1 on TUPLE1 ...) and 300,000 nested lists (EMPTY_LIST pushed, then APPENDed
        // into each other): freeing either recursively would overflow any thread's stack.
        let depth = 300_000
        let tuples = [0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: depth) + [0x2E]
        let lists = [0x80, 0x02] + [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
        for (name, main) in [("tuples.pth", tuples), ("lists.pth", lists)] {
            let text = try refusal(main, name: name)
            XCTAssertTrue(text.contains("nested more than"), "\(name): \(text)")
        }
    }

    /// The most memory this process has held so far, in MB.
    private var peakMB: Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }

    func testZipBombsAreRefusedWithinBoundedMemory() throws {
        // The tiny DenseNet checkpoint with one storage, then its pickle, replaced by 300 MB of zeros that deflate
        // to 300 KB: each would be inflated in full, or allocated from its declared size, without a limit.
        let source = try Archive(url: URL(fileURLWithPath: ModelsFixture.path("torch_densenet_tiny.pth")), accessMode: .read)
        let storage = try XCTUnwrap(source.map(\.path).filter { $0.contains("/data/") }.sorted().first)
        let pickle = try XCTUnwrap(source.map(\.path).first { $0.hasSuffix("/data.pkl") })
        let before = peakMB
        for bomb in [storage, pickle] {
            let path = try temporaryDirectory(self).appendingPathComponent("bomb-\(bomb.split(separator: "/").last!).pth").path
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            for entry in source {
                if entry.path == bomb {
                    let size = 300 << 20
                    try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate) { _, chunk in
                        Data(count: chunk)
                    }
                } else {
                    var data = Data()
                    _ = try source.extract(entry) { data.append($0) }
                    try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count)) { position, chunk in
                        data.subdata(in: Int(position)..<Int(position) + chunk)
                    }
                }
            }
            XCTAssertLessThan(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int), 2 << 20)
            let text = try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) })
            XCTAssertTrue(text.contains("\(bomb) declares 314572800 bytes, more than the "), text)
        }
        XCTAssertLessThan(peakMB - before, 100, "reading the refused entries raised the peak memory")
    }

    func testZipEntriesThatLeaveTheArchiveAreRefused() throws {
        for evil in ["../outside/data.pkl", "/etc/archive/data.pkl", "archive/../../data.pkl"] {
            let path = try temporaryDirectory(self).appendingPathComponent("evil-\(abs(evil.hashValue)).pth").path
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            let pickle = Data([0x80, 0x02, 0x7D, 0x2E])
            for entry in ["archive/data.pkl", evil] {
                try archive.addEntry(with: entry, type: .file, uncompressedSize: Int64(pickle.count)) { position, size in
                    pickle.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            let text = try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) })
            XCTAssertEqual(text, "cannot read weights '\(path)': the zip archive holds the entry `\(evil)`, whose path leaves the archive; "
                           + "torch.save never writes one, so the file was altered or is not a checkpoint: pipe refuses it")
        }
    }

    /// ZIP64 offsets past what a file offset can hold stopped the process inside ZIPFoundation (a trap found by
    /// `make fuzz`); every offset and size the end records and central directory declare is checked first.
    func testZip64OffsetsPastTheFileAreRefusedBeforeZIPFoundationReadsThem() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/corpus/pth")
        let found = corpus.appendingPathComponent("regression-zip64-offset-past-int64").standardizedFileURL.path
        var text = try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: found) })
        XCTAssertTrue(text.contains("the zip archive is damaged or crafted: its central directory's offset is 15852670688344147064, "
                                    + "past the end of the 1602-byte file"), text)
        // The same archive with the ZIP64 central-directory offset fixed reads past the check (and fails later, as any
        // fuzzed file may), while a valid checkpoint written by torch.save passes it: see the PyTorch fixtures' tests.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: found))
        let record = try XCTUnwrap(bytes.range(of: Data([0x50, 0x4B, 0x06, 0x06]), options: .backwards)).lowerBound
        XCTAssertNil(ZipLayoutCheck.problem(in: { bytes.replaceSubrange(record + 48..<record + 56, with: [UInt8](repeating: 0, count: 8)); return bytes }()))
        // An entry whose ZIP64 local-header offset points past the file.
        var archive = Data()
        archive.append(contentsOf: [0x50, 0x4B, 0x01, 0x02] + [UInt8](repeating: 0, count: 24) + [0, 0, 12, 0, 0, 0]
                       + [UInt8](repeating: 0, count: 8) + [0xFF, 0xFF, 0xFF, 0xFF])
        archive.append(contentsOf: [1, 0, 8, 0] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        archive.append(contentsOf: [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 58, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        text = try XCTUnwrap(ZipLayoutCheck.problem(in: archive))
        XCTAssertTrue(text.contains("ZIP64 size or offset of entry 0 is 9223372036854775807"), text)
    }
}
