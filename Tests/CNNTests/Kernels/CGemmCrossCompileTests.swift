import Foundation
import XCTest

/// Every C source of `CGemm` compiles for aarch64 (x86 kernels guarded out, the NEON kernel in), so the
/// package builds on ARM hosts although this test runs on x86. Freestanding, because an x86 host has no
/// aarch64 C library; the kernels include no libc headers on aarch64 for that reason.
final class CGemmCrossCompileTests: XCTestCase {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Sources/CGemm").standardizedFileURL

    func testSourcesCompileForAArch64() throws {
        let clang = try Self.clang()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { $0.hasSuffix(".c") }.sorted()
        XCTAssertTrue(files.contains("sgemm_neon.c") && files.contains("sgemm_avx2.c"), "sources found: \(files)")
        for file in files {
            let (status, output) = try Self.compile(clang, file, to: "/dev/null", extra: ["-c"])
            XCTAssertEqual(status, 0, "clang -target aarch64-linux-gnu \(file):\n\(output)")
        }
        // The NEON kernel itself was compiled, not the unavailable stub.
        let assembly = FileManager.default.temporaryDirectory.appendingPathComponent("sgemm_neon-\(getpid()).s")
        defer { try? FileManager.default.removeItem(at: assembly) }
        let (status, output) = try Self.compile(clang, "sgemm_neon.c", to: assembly.path, extra: ["-S"])
        XCTAssertEqual(status, 0, output)
        let text = try String(contentsOf: assembly, encoding: .utf8)
        XCTAssertTrue(text.contains("fmla"), "sgemm_neon.c for aarch64 has no NEON multiply-adds")
    }

    /// clang next to the Swift toolchain, else on PATH.
    static func clang() throws -> String {
        var candidates = ["/opt/swift/usr/bin/clang"]
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        candidates += path.split(separator: ":").map { "\($0)/clang" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no clang on PATH or at /opt/swift/usr/bin: the aarch64 build of CGemm is not checked")
        }
        return found
    }

    static func compile(_ clang: String, _ file: String, to output: String, extra: [String]) throws -> (Int32, String) {
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["-target", "aarch64-linux-gnu", "-ffreestanding", "-O2", "-Wall",
                             "-I", sources.appendingPathComponent("include").path, "-I", sources.path]
            + extra + [sources.appendingPathComponent(file).path, "-o", output]
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
