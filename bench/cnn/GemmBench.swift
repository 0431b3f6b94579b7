import CNN
import PipeBase
import Foundation

/// `cnn-bench --gemm KERNELS`: times the raw GEMMs of DenseNet201's convolutions on each named kernel
/// and prints median GFLOP/s per group and the ratio to the last kernel named (OpenBLAS by default).
///
/// Each convolution gives three GEMMs in im2col form: forward (rows x patch times patch x out), weight
/// gradient (patch x rows times rows x out, A transposed) and input gradient (rows x out times
/// out x patch, B transposed), with rows = batch · output pixels capped at `--rows` to bound memory.
/// Every repetition runs all kernels back to back on the same operands, so a shared machine's load
/// falls on all of them alike; each GEMM keeps its median over the repetitions.
enum GemmBench {
    struct Product {
        var group: String, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, count: Int
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(count) }
    }

    static func products(batch: Int, size: Int, rowCap: Int, kernelSize: Int?) -> [Product] {
        DenseNetShapes.distinct(batch: batch, size: size)
            .filter { kernelSize == nil || $0.shape.window.kernelHeight == kernelSize }
            .flatMap { entry -> [Product] in
                let s = entry.shape, kernel = "\(s.window.kernelHeight)x\(s.window.kernelWidth)"
                let rows = min(s.batch * s.outHeight * s.outWidth, rowCap)
                return [
                    Product(group: "\(kernel) forward NN", transposeA: false, transposeB: false,
                            m: rows, n: s.outChannels, k: s.patchSize, count: entry.count),
                    Product(group: "\(kernel) weight-grad TN", transposeA: true, transposeB: false,
                            m: s.patchSize, n: s.outChannels, k: rows, count: entry.count),
                    Product(group: "\(kernel) input-grad NT", transposeA: false, transposeB: true,
                            m: rows, n: s.patchSize, k: s.outChannels, count: entry.count),
                ]
            }
    }

    static func run(kernels: [GemmKernel], batch: Int, size: Int, rowCap: Int, reps: Int, threads: Int?,
                    kernelSize: Int?) {
        if let threads { BLAS.threadCount = threads }
        let products = products(batch: batch, size: size, rowCap: rowCap, kernelSize: kernelSize)
        print("DenseNet201 conv GEMMs, batch \(batch), \(size)x\(size), rows capped at \(rowCap), \(products.count) GEMMs, "
              + "median of \(reps) reps, \(BLAS.threadCount) threads; OpenBLAS core \(BLAS.coreName)")
        var medians = [[Double]](repeating: [], count: kernels.count)
        var generator = SeededRandom(seed: 3)
        for product in products {
            let a = (0..<(product.m * product.k)).map { _ in generator.nextUniform() - 0.5 }
            let b = (0..<(product.k * product.n)).map { _ in generator.nextUniform() - 0.5 }
            var c = [Float](repeating: 0, count: product.m * product.n)
            var times = [[Double]](repeating: [], count: kernels.count)
            for rep in 0...reps {
                for (index, kernel) in kernels.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer { c in
                                kernel.run(transposeA: product.transposeA, transposeB: product.transposeB,
                                           m: product.m, n: product.n, k: product.k,
                                           a: a.baseAddress!, lda: product.transposeA ? product.m : product.k,
                                           b: b.baseAddress!, ldb: product.transposeB ? product.k : product.n,
                                           c: c.baseAddress!, ldc: product.n)
                            }
                        }
                    }
                    // The first repetition warms caches and packing buffers.
                    if rep > 0 { times[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
                }
            }
            for index in kernels.indices { medians[index].append(times[index].sorted()[times[index].count / 2]) }
        }
        let reference = kernels.count - 1
        var header = "group".padding(toLength: 24, withPad: " ", startingAt: 0)
        for kernel in kernels { header += kernel.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) }
        print(header + "GFLOP/s" + kernels.dropLast().map { "  \($0.rawValue)/\(kernels[reference].rawValue)" }.joined())
        var groups: [String] = []
        for product in products where !groups.contains(product.group) { groups.append(product.group) }
        for group in groups + ["total"] {
            let members = products.indices.filter { group == "total" || products[$0].group == group }
            let flops = members.reduce(0) { $0 + products[$1].flops }
            let rates = kernels.indices.map { index in
                flops / members.reduce(0) { $0 + medians[index][$1] * Double(products[$1].count) } / 1e9
            }
            var line = group.padding(toLength: 24, withPad: " ", startingAt: 0)
            for rate in rates { line += String(format: "%-10.1f", rate) }
            line += "       " + rates.dropLast().map { String(format: "  %.3f", $0 / rates[reference]) }.joined()
            print(line)
        }
    }
}
