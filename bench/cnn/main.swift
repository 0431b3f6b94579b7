import CNN
import Foundation
import PipeBase

// Times conv2dForward and conv2dForward + conv2dBackward for every distinct convolution shape of
// DenseNet201 and, with `--peer PYTHON`, runs bench/cnn/torch_peer.py on the same shapes to print
// the time ratio (ours / PyTorch; ≤ 1 means we are at least as fast).
//
// Usage: cnn-bench [--batch 16] [--size 224] [--reps 3] [--rounds 3] [--limit N] [--kernel K]
//                  [--arena FLOATS] [--peer python3]
//        cnn-bench --gemm avx2,openblas [--rows 8192] [--reps 3] [--threads N] [--kernel K]
// `--gemm` times only the raw GEMMs of the same shapes on each named GemmKernel instead (GemmBench).
// `--kernel 3` keeps only 3x3 convolutions; `--arena` sets the im2col slice size in floats.
// Each round times every shape here and then at once in the peer (torch_peer.py --stream), so both
// see the same machine load; every shape keeps its fastest time over the rounds, and the output
// ends with subtotals per kernel size.

struct Options {
    var batch = 16, size = 224, reps = 3, rounds = 3, limit = Int.max, kernel: Int?, arena: Int?
    var peer: String?
    var gemm: [GemmKernel]?, rows = 8192, threads: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--batch": batch = Int(value) ?? batch
            case "--size": size = Int(value) ?? size
            case "--reps": reps = Int(value) ?? reps
            case "--rounds": rounds = max(Int(value) ?? rounds, 1)
            case "--limit": limit = Int(value) ?? limit
            case "--kernel": kernel = Int(value)
            case "--arena": arena = Int(value)
            case "--peer": peer = value
            case "--gemm":
                gemm = value.split(separator: ",").map { name in
                    guard let kernel = GemmKernel(rawValue: String(name)), kernel.isAvailable else {
                        let names = GemmKernel.available.map(\.rawValue).joined(separator: ", ")
                        FileHandle.standardError.write("--gemm: \(name) is not a kernel this CPU runs (\(names))\n".data(using: .utf8)!)
                        exit(2)
                    }
                    return kernel
                }
            case "--rows": rows = Int(value) ?? rows
            case "--threads": threads = Int(value)
            default:
                FileHandle.standardError.write("unknown option \(flag)\n".data(using: .utf8)!)
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
if let kernels = options.gemm {
    GemmBench.run(kernels: kernels, batch: options.batch, size: options.size, rowCap: options.rows,
                  reps: options.reps, threads: options.threads, kernelSize: options.kernel)
    exit(0)
}
print("GEMM kernels \(GemmKernel.current.rawValue); OpenBLAS core \(BLAS.coreName), \(BLAS.threadCount) threads")
if BLAS.usesGenericKernels {
    print("warning: OpenBLAS picked its generic kernels; rerun with OPENBLAS_CORETYPE=SkylakeX (or Haswell)")
}
let shapes = Array(DenseNetShapes.distinct(batch: options.batch, size: options.size)
    .filter { options.kernel == nil || $0.shape.window.kernelHeight == options.kernel }.prefix(options.limit))

/// The fastest of `reps` runs after one warm-up, in seconds.
func time(reps: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<max(reps, 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

let arena = ScratchArena()
if let limit = options.arena { arena.preferredLimit = limit }
/// The fastest of `reps` runs of one shape, for forward and for forward + backward.
func measureOurs(_ shape: ConvShape) -> (forward: Double, training: Double) {
    let input = Tensor(shape: [shape.batch, shape.height, shape.width, shape.inChannels])
    let weights = Tensor(shape: [shape.window.kernelHeight, shape.window.kernelWidth, shape.inChannels,
                                 shape.outChannels])
    var generator = SeededRandom(seed: 1)
    for i in 0..<input.count { input.data[i] = generator.nextUniform() - 0.5 }
    for i in 0..<weights.count { weights.data[i] = (generator.nextUniform() - 0.5) * 0.1 }
    let output = Tensor(shape: [shape.batch, shape.outHeight, shape.outWidth, shape.outChannels])
    let inputGradient = Tensor(shape: input.shape), weightGradient = Tensor(shape: weights.shape)
    func forward() {
        conv2dForward(output: output.data, outputStride: shape.outChannels, input: input.data,
                      inputStride: shape.inChannels, weights: weights.data, bias: nil, shape: shape,
                      arena: arena)
    }
    let forwardTime = time(reps: options.reps, forward)
    let trainingTime = time(reps: options.reps) {
        forward()
        conv2dBackward(inputGradient: inputGradient.data, inputGradientStride: shape.inChannels,
                       weightGradient: weightGradient.data, biasGradient: nil, outputGradient: output.data,
                       outputGradientStride: shape.outChannels, input: input.data,
                       inputStride: shape.inChannels, weights: weights.data, shape: shape, arena: arena)
    }
    return (forwardTime, trainingTime)
}

/// bench/cnn/torch_peer.py running in `--stream` mode: one shape in, its timings out, so each shape
/// is timed in PyTorch right after pipe, under the same machine load.
final class Peer {
    let process = Process(), input = Pipe(), output = Pipe()
    var pending = Data()

    init?(python: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("torch_peer.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path, "--reps", String(options.reps), "--stream"]
        process.standardInput = input
        process.standardOutput = output
        do { try process.run() } catch {
            print("peer: could not start \(python): \(error)")
            return nil
        }
    }

    func measure(_ s: ConvShape) -> (forward: Double, training: Double)? {
        let w = s.window
        let request: [String: Any] = [
            "batch": s.batch, "height": s.height, "width": s.width, "inChannels": s.inChannels,
            "outChannels": s.outChannels, "kernel": [w.kernelHeight, w.kernelWidth],
            "stride": [w.strideHeight, w.strideWidth], "padding": [w.padTop, w.padBottom, w.padLeft, w.padRight]]
        input.fileHandleForWriting.write(try! JSONSerialization.data(withJSONObject: request) + Data("\n".utf8))
        while !pending.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            pending += chunk
        }
        let newline = pending.firstIndex(of: UInt8(ascii: "\n"))!
        let line = pending[pending.startIndex..<newline]
        pending = Data(pending[(newline + 1)...])
        guard let row = (try? JSONSerialization.jsonObject(with: line)) as? [Double], row.count == 2 else { return nil }
        return (row[0], row[1])
    }

    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

let peerProcess = options.peer.flatMap { Peer(python: $0) }
var ours = [(forward: Double, training: Double)](repeating: (.infinity, .infinity), count: shapes.count)
var peerTimes = ours, peerFailed = peerProcess == nil
for _ in 0..<options.rounds {
    for (index, entry) in shapes.enumerated() {
        let mine = measureOurs(entry.shape)
        ours[index] = (min(ours[index].forward, mine.forward), min(ours[index].training, mine.training))
        guard !peerFailed, let peerProcess else { continue }
        if let theirs = peerProcess.measure(entry.shape) {
            peerTimes[index] = (min(peerTimes[index].forward, theirs.forward),
                                min(peerTimes[index].training, theirs.training))
        } else {
            print("peer: torch_peer.py failed")
            peerFailed = true
        }
    }
}
peerProcess?.close()
let peer: [(forward: Double, training: Double)]? = peerFailed ? nil : peerTimes
func gflops(_ flops: Double, _ seconds: Double) -> String { String(format: "%7.1f", flops / seconds / 1e9) }
func ratio(_ a: Double, _ b: Double) -> String { String(format: "%6.2fx", a / b) }

print("DenseNet201 convolutions, batch \(options.batch), \(options.size)x\(options.size), \(shapes.count) distinct shapes")
print("shape                                   count  fwd ms  GF/s  fwd+bwd ms  GF/s" + (peer == nil ? "" : "  fwd ratio  f+b ratio"))
var totals = (flops: 0.0, forward: 0.0, training: 0.0, peerForward: 0.0, peerTraining: 0.0)
for (index, entry) in shapes.enumerated() {
    let s = entry.shape, w = s.window, count = Double(entry.count)
    let label = "\(w.kernelHeight)x\(w.kernelWidth)/\(w.strideHeight) \(s.height)x\(s.width) \(s.inChannels)->\(s.outChannels)"
    var line = label.padding(toLength: 40, withPad: " ", startingAt: 0)
    line += String(format: "%5d %7.2f ", entry.count, ours[index].forward * 1e3) + gflops(s.forwardFlops, ours[index].forward)
    line += String(format: " %10.2f ", ours[index].training * 1e3) + gflops(3 * s.forwardFlops, ours[index].training)
    totals.flops += count * s.forwardFlops
    totals.forward += count * ours[index].forward
    totals.training += count * ours[index].training
    if let peer {
        line += "    " + ratio(ours[index].forward, peer[index].forward) + "    " + ratio(ours[index].training, peer[index].training)
        totals.peerForward += count * peer[index].forward
        totals.peerTraining += count * peer[index].training
    }
    print(line)
}
print(String(format: "total (weighted by count): forward %.3f s (%@ GFLOP/s), forward+backward %.3f s (%@ GFLOP/s)",
             totals.forward, gflops(totals.flops, totals.forward), totals.training, gflops(3 * totals.flops, totals.training)))
// Subtotals by kernel size (1x1, 3x3, 7x7), weighted by count like the total.
for kernel in Set(shapes.map { $0.shape.window.kernelHeight }).sorted() {
    var sub = (flops: 0.0, forward: 0.0, training: 0.0, peerForward: 0.0, peerTraining: 0.0)
    for (index, entry) in shapes.enumerated() where entry.shape.window.kernelHeight == kernel {
        let count = Double(entry.count)
        sub.flops += count * entry.shape.forwardFlops
        sub.forward += count * ours[index].forward
        sub.training += count * ours[index].training
        if let peer {
            sub.peerForward += count * peer[index].forward
            sub.peerTraining += count * peer[index].training
        }
    }
    var line = String(format: "%dx%d subtotal: forward %.3f s (%@ GFLOP/s), forward+backward %.3f s (%@ GFLOP/s)",
                      kernel, kernel, sub.forward, gflops(sub.flops, sub.forward), sub.training,
                      gflops(3 * sub.flops, sub.training))
    if peer != nil {
        line += String(format: "; PyTorch %.3f s, %.3f s; ratio %.2fx, %.2fx", sub.peerForward, sub.peerTraining,
                       sub.forward / sub.peerForward, sub.training / sub.peerTraining)
    }
    print(line)
}
if peer != nil {
    print(String(format: "PyTorch: forward %.3f s, forward+backward %.3f s; ratio ours/PyTorch: forward %.2fx, forward+backward %.2fx",
                 totals.peerForward, totals.peerTraining, totals.forward / totals.peerForward,
                 totals.training / totals.peerTraining))
}
