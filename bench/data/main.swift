import Datasets
import Foundation
import Imaging

// Times what pipe does to a BreakHis folder before training: list and parse the tree (the ingest
// adapter, names only), then decode every PNG and resize it to 224x224 on all cores.
// Usage: data-bench ROOT [--size 224] [--runs 5]; prints one line per run and the median.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: data-bench ROOT [--size N] [--runs N]\n".utf8))
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let value = Int(arguments[i + 1]) else { return fallback }
    return value
}
let root = URL(fileURLWithPath: arguments[1])
let size = option("--size", 224)
let runs = option("--runs", 5)
var times: [Double] = []
for run in 1...runs {
    let start = Date()
    let manifest = try BreakHisAdapter(verifyImages: false).read(root: root)
    let images = ImageDecoder.decodeAll(manifest.rows.map { manifest.url(of: $0) }, as: .rgb8, resizeTo: (size, size))
    let failures = images.filter { if case .failure = $0 { true } else { false } }.count
    let seconds = Date().timeIntervalSince(start)
    times.append(seconds)
    print(String(format: "run %d: %d images, %d failed, %.3f s", run, images.count, failures, seconds))
}
print(String(format: "pipe median %.3f s", times.sorted()[times.count / 2]))
