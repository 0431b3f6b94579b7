import Foundation

// Built for fuzzing (`make fuzz`: -DFUZZING, with libFuzzer's main), the target comes from PIPE_FUZZ_TARGET;
// built normally, `pipe-fuzz TARGET FILE|FOLDER...` replays inputs, as the tests do with the corpora.
#if FUZZING
private let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["PIPE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("pipe-fuzz: set PIPE_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    selected.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}
#else
/// Replays inputs through one target: `pipe-fuzz TARGET FILE|FOLDER...`, as the tests do with the corpora.
@main
enum PipeFuzz {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: pipe-fuzz TARGET FILE|FOLDER...  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        var replayed = 0
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { url.appendingPathComponent($0) }
                : [url]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file.path) else { continue }
                target.run(data)
                replayed += 1
            }
        }
        print("pipe-fuzz \(name): \(replayed) inputs replayed, none crashed")
    }
}
#endif
