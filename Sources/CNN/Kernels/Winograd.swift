/// 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3).
///
/// Each 2x2 block of output pixels ("tile") needs a 4x4 input patch `d`. With the transforms
/// `V = Bt d B` (input, additions only), `U = G g Gt` (weights, once per call) and
/// `Y = At M A` (output, additions only), the 16 products `M[xi] = V[xi] . U[xi]` replace the 36
/// multiply-adds per tile and channel pair of direct convolution: for every `xi` in `0..<16` one
/// GEMM `[tiles x inChannels] x [inChannels x outChannels]`, 2.25 times fewer flops than im2col.
/// The transforms only add, subtract and halve, so the rounding error stays close to a direct sum's.
///
/// Work is split into fixed units of whole images or bands of tile rows, as in `RowUnfoldConv`.
enum Winograd3x3 {
    /// Tests switch this off to compare against `RowUnfoldConv`.
    nonisolated(unsafe) static var enabled = true

    /// Whether `shape` takes this path: a 3x3 stride-1 window with padding under 3 on every side and
    /// at least 64 output pixels per image (on 7x7 outputs the per-tile overhead made it slower than
    /// `RowUnfoldConv`).
    static func handles(_ shape: ConvShape) -> Bool {
        enabled && shape.window.kernelHeight == 3 && shape.window.kernelWidth == 3 && RowUnfoldConv.handles(shape)
            && shape.outHeight * shape.outWidth >= 64
    }

    struct Unit {
        var images: Range<Int>
        var tileRows: Range<Int>
    }

    /// The units for `shape` and the most tiles one of them holds.
    static func plan(_ shape: ConvShape, limit: Int) -> (units: [Unit], maxTiles: Int) {
        let tileRows = (shape.outHeight + 1) / 2, tileColumns = (shape.outWidth + 1) / 2
        let tileFloats = 16 * (shape.inChannels + shape.outChannels), imageFloats = tileRows * tileColumns * tileFloats
        var units: [Unit] = []
        if imageFloats * 2 <= limit {
            let perUnit = min(limit / imageFloats, (shape.batch + 3) / 4)
            for range in RowUnfoldConv.evenSplit(shape.batch, into: (shape.batch + perUnit - 1) / perUnit) {
                units.append(Unit(images: range, tileRows: 0..<tileRows))
            }
            return (units, (units.map(\.images.count).max() ?? 1) * tileRows * tileColumns)
        }
        let bandRows = max(1, limit / (tileColumns * tileFloats))
        let bands = RowUnfoldConv.evenSplit(tileRows, into: (tileRows + bandRows - 1) / bandRows)
        for image in 0..<shape.batch {
            for band in bands { units.append(Unit(images: image..<(image + 1), tileRows: band)) }
        }
        return (units, (bands.map(\.count).max() ?? 1) * tileColumns)
    }

    /// Scratch floats `forward` needs: the transformed weights, then per thread a unit's transformed
    /// input and products, then one zero pixel, then the transformed weights packed for the GEMM kernel.
    static func scratchSize(_ shape: ConvShape, limit: Int) -> Int {
        let (units, maxTiles) = plan(shape, limit: limit)
        let lanes = min(RowUnfoldConv.laneCount, units.count)
        return 16 * shape.inChannels * shape.outChannels
            + lanes * 16 * maxTiles * (shape.inChannels + shape.outChannels) + shape.inChannels
            + 16 * PackedOperand.scratchSize(.current, k: shape.inChannels, n: shape.outChannels)
    }

    /// `U[xi][ci][co] = (G g Gt)[xi]` for every channel pair of HWIO `weights`.
    static func transformWeights(_ transformed: UnsafeMutablePointer<Float>, _ weights: UnsafePointer<Float>,
                                 inChannels: Int, outChannels: Int) {
        let pair = inChannels * outChannels
        // r = G g (4x3), then u = r Gt (4x4); four channel pairs at a time, then the rest.
        var index = 0
        while index + 4 <= pair {
            @inline(__always) func g(_ tap: Int) -> SIMD4<Float> {
                UnsafeRawPointer(weights + tap * pair + index).loadUnaligned(as: SIMD4<Float>.self)
            }
            @inline(__always) func store(_ i: Int, _ r0: SIMD4<Float>, _ r1: SIMD4<Float>, _ r2: SIMD4<Float>) {
                func put(_ xi: Int, _ value: SIMD4<Float>) {
                    UnsafeMutableRawPointer(transformed + xi * pair + index).storeBytes(of: value, as: SIMD4<Float>.self)
                }
                put(i * 4, r0)
                put(i * 4 + 1, 0.5 * (r0 + r1 + r2))
                put(i * 4 + 2, 0.5 * (r0 - r1 + r2))
                put(i * 4 + 3, r2)
            }
            let g0 = g(0), g1 = g(1), g2 = g(2), g3 = g(3), g4 = g(4), g5 = g(5), g6 = g(6), g7 = g(7), g8 = g(8)
            store(0, g0, g1, g2)
            store(1, 0.5 * (g0 + g3 + g6), 0.5 * (g1 + g4 + g7), 0.5 * (g2 + g5 + g8))
            store(2, 0.5 * (g0 - g3 + g6), 0.5 * (g1 - g4 + g7), 0.5 * (g2 - g5 + g8))
            store(3, g6, g7, g8)
            index += 4
        }
        while index < pair {
            let g0 = weights[index], g1 = weights[pair + index], g2 = weights[2 * pair + index]
            let g3 = weights[3 * pair + index], g4 = weights[4 * pair + index], g5 = weights[5 * pair + index]
            let g6 = weights[6 * pair + index], g7 = weights[7 * pair + index], g8 = weights[8 * pair + index]
            func store(_ i: Int, _ r0: Float, _ r1: Float, _ r2: Float) {
                transformed[(i * 4) * pair + index] = r0
                transformed[(i * 4 + 1) * pair + index] = 0.5 * (r0 + r1 + r2)
                transformed[(i * 4 + 2) * pair + index] = 0.5 * (r0 - r1 + r2)
                transformed[(i * 4 + 3) * pair + index] = r2
            }
            store(0, g0, g1, g2)
            store(1, 0.5 * (g0 + g3 + g6), 0.5 * (g1 + g4 + g7), 0.5 * (g2 + g5 + g8))
            store(2, 0.5 * (g0 - g3 + g6), 0.5 * (g1 - g4 + g7), 0.5 * (g2 - g5 + g8))
            store(3, g6, g7, g8)
            index += 1
        }
    }

    /// `output = conv(input)` (or `+=` when `accumulate`), without bias; `scratch` holds
    /// `scratchSize(shape, limit:)` floats.
    /// With `normalization` the convolution reads `relu(norm(input))` (padding still zero), normalizing each
    /// pixel as the input transform reads it instead of in a pass of its own, with the same bits.
    static func forward(output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                        input: UnsafePointer<Float>, inputStride: Int, weights: UnsafePointer<Float>,
                        shape: ConvShape, limit: Int, scratch: UnsafeMutablePointer<Float>,
                        normalization: BatchNormReading? = nil) {
        let (units, maxTiles) = plan(shape, limit: limit)
        let cin = shape.inChannels, cout = shape.outChannels
        let lanes = min(RowUnfoldConv.laneCount, units.count)
        let transformedWeights = scratch
        transformWeights(transformedWeights, weights, inChannels: cin, outChannels: cout)
        let laneFloats = 16 * maxTiles * (cin + cout)
        let zeros = scratch + 16 * cin * cout + lanes * laneFloats
        zeros.update(repeating: 0, count: cin)
        // Every unit multiplies by the same 16 matrices: packed once here, not once per unit.
        let packedFloats = PackedOperand.scratchSize(.current, k: cin, n: cout)
        let packed = (0..<16).map { xi in
            PackedOperand(kernel: .current, k: cin, n: cout, b: transformedWeights + xi * cin * cout, ldb: cout,
                          scratch: zeros + cin + xi * packedFloats)
        }
        let tileColumns = (shape.outWidth + 1) / 2
        let padTop = shape.window.padTop, padLeft = shape.window.padLeft
        RowUnfoldConv.run(items: units.count, lanes: lanes) { lane, index in
            let unit = units[index]
            let tiles = unit.images.count * unit.tileRows.count * tileColumns
            let v = scratch + 16 * cin * cout + lane * laneFloats, m = v + 16 * maxTiles * cin
            // Input transform: V[xi][tile][c].
            var tile = 0
            var sources = [UnsafePointer<Float>](repeating: UnsafePointer(zeros), count: 16)
            for image in unit.images {
                for ty in unit.tileRows {
                    for tx in 0..<tileColumns {
                        var inside: UInt16 = 0
                        for i in 0..<4 {
                            let ih = 2 * ty - padTop + i
                            for j in 0..<4 {
                                let iw = 2 * tx - padLeft + j
                                let within = ih >= 0 && ih < shape.height && iw >= 0 && iw < shape.width
                                sources[i * 4 + j] = within
                                    ? input + ((image * shape.height + ih) * shape.width + iw) * inputStride
                                    : UnsafePointer(zeros)
                                if within { inside |= 1 << (i * 4 + j) }
                            }
                        }
                        sources.withUnsafeBufferPointer { p in
                            transformInput(p.baseAddress!, inside: inside, into: v + tile * cin, planeStride: maxTiles * cin,
                                           channels: cin, normalization: normalization)
                        }
                        tile += 1
                    }
                }
            }
            for xi in 0..<16 {
                gemm(m: tiles, n: cout, k: cin, a: v + xi * maxTiles * cin, lda: cin,
                     b: transformedWeights + xi * cin * cout, ldb: cout, packedB: packed[xi], c: m + xi * maxTiles * cout,
                     ldc: cout)
            }
            // Output transform, writing only the pixels inside the output.
            tile = 0
            for image in unit.images {
                for ty in unit.tileRows {
                    for tx in 0..<tileColumns {
                        let oh = 2 * ty, ow = 2 * tx
                        let target = output + ((image * shape.outHeight + oh) * shape.outWidth + ow) * outputStride
                        transformOutput(m + tile * cout, planeStride: maxTiles * cout, channels: cout,
                                        target: target, rowStride: shape.outWidth * outputStride,
                                        pixelStride: outputStride, rows: min(2, shape.outHeight - oh),
                                        columns: min(2, shape.outWidth - ow), accumulate: accumulate)
                        tile += 1
                    }
                }
            }
        }
    }

    /// `V = Bt d B` for one tile, every channel: `d[i][j]` is `sources[i * 4 + j]`, and value `xi`
    /// of channel `c` goes to `target[xi * planeStride + c]`. Sixteen channels at a time in SIMD
    /// registers (the compiler cannot prove the 17 pointers disjoint and would not vectorize), then one.
    /// With `normalization`, each source in `inside` (bit `i * 4 + j`) is normalized as it is read.
    @inline(__always)
    static func transformInput(_ sources: UnsafePointer<UnsafePointer<Float>>, inside: UInt16,
                               into target: UnsafeMutablePointer<Float>, planeStride: Int, channels: Int,
                               normalization: BatchNormReading?) {
        var c = 0
        while c + Lanes.scalarCount <= channels {
            let first = c
            @inline(__always) func d(_ index: Int) -> Lanes {
                let raw = Lanes(at: sources[index] + first)
                guard let normalization, inside & (1 << index) != 0 else { return raw }
                return normalization.apply(raw, at: first)
            }
            @inline(__always) func put(_ xi: Int, _ value: Lanes) { value.store(at: target + xi * planeStride + first) }
            let d0 = d(0), d1 = d(1), d2 = d(2), d3 = d(3), d4 = d(4), d5 = d(5), d6 = d(6), d7 = d(7)
            let d8 = d(8), d9 = d(9), d10 = d(10), d11 = d(11), d12 = d(12), d13 = d(13), d14 = d(14), d15 = d(15)
            // Rows: t = Bt d.
            let t00 = d0 - d8, t01 = d1 - d9, t02 = d2 - d10, t03 = d3 - d11
            let t10 = d4 + d8, t11 = d5 + d9, t12 = d6 + d10, t13 = d7 + d11
            let t20 = d8 - d4, t21 = d9 - d5, t22 = d10 - d6, t23 = d11 - d7
            let t30 = d4 - d12, t31 = d5 - d13, t32 = d6 - d14, t33 = d7 - d15
            // Columns: v = t B.
            put(0, t00 - t02); put(1, t01 + t02); put(2, t02 - t01); put(3, t01 - t03)
            put(4, t10 - t12); put(5, t11 + t12); put(6, t12 - t11); put(7, t11 - t13)
            put(8, t20 - t22); put(9, t21 + t22); put(10, t22 - t21); put(11, t21 - t23)
            put(12, t30 - t32); put(13, t31 + t32); put(14, t32 - t31); put(15, t31 - t33)
            c += Lanes.scalarCount
        }
        while c < channels {
            @inline(__always) func d(_ index: Int) -> Float {
                let raw = sources[index][c]
                guard let normalization, inside & (1 << index) != 0 else { return raw }
                return normalization.apply(raw, at: c)
            }
            let t00 = d(0) - d(8), t01 = d(1) - d(9), t02 = d(2) - d(10), t03 = d(3) - d(11)
            let t10 = d(4) + d(8), t11 = d(5) + d(9), t12 = d(6) + d(10), t13 = d(7) + d(11)
            let t20 = d(8) - d(4), t21 = d(9) - d(5), t22 = d(10) - d(6), t23 = d(11) - d(7)
            let t30 = d(4) - d(12), t31 = d(5) - d(13), t32 = d(6) - d(14), t33 = d(7) - d(15)
            @inline(__always) func put(_ xi: Int, _ value: Float) { target[xi * planeStride + c] = value }
            put(0, t00 - t02); put(1, t01 + t02); put(2, t02 - t01); put(3, t01 - t03)
            put(4, t10 - t12); put(5, t11 + t12); put(6, t12 - t11); put(7, t11 - t13)
            put(8, t20 - t22); put(9, t21 + t22); put(10, t22 - t21); put(11, t21 - t23)
            put(12, t30 - t32); put(13, t31 + t32); put(14, t32 - t31); put(15, t31 - t33)
            c += 1
        }
    }

    /// `Y = At M A` for one tile, every channel, written (or added) to the `rows x columns` pixels
    /// of the 2x2 block at `target` that lie inside the output.
    @inline(__always)
    static func transformOutput(_ source: UnsafePointer<Float>, planeStride: Int, channels: Int,
                                target: UnsafeMutablePointer<Float>, rowStride: Int, pixelStride: Int,
                                rows: Int, columns: Int, accumulate: Bool) {
        let p0 = source, p1 = source + planeStride, p2 = source + 2 * planeStride, p3 = source + 3 * planeStride
        let p4 = source + 4 * planeStride, p5 = source + 5 * planeStride, p6 = source + 6 * planeStride
        let p7 = source + 7 * planeStride, p8 = source + 8 * planeStride, p9 = source + 9 * planeStride
        let p10 = source + 10 * planeStride, p11 = source + 11 * planeStride, p12 = source + 12 * planeStride
        let p13 = source + 13 * planeStride, p14 = source + 14 * planeStride, p15 = source + 15 * planeStride
        let y00 = target, y01 = target + pixelStride, y10 = target + rowStride, y11 = target + rowStride + pixelStride
        let full = rows == 2 && columns == 2
        var first = 0
        if full {
            while first + Lanes.scalarCount <= channels {
                let c = first
                @inline(__always) func m(_ p: UnsafePointer<Float>) -> Lanes { Lanes(at: p + c) }
                @inline(__always) func put(_ y: UnsafeMutablePointer<Float>, _ value: Lanes) {
                    (accumulate ? Lanes(at: y + c) + value : value).store(at: y + c)
                }
                let s00 = m(p0) + m(p4) + m(p8), s01 = m(p1) + m(p5) + m(p9)
                let s02 = m(p2) + m(p6) + m(p10), s03 = m(p3) + m(p7) + m(p11)
                let s10 = m(p4) - m(p8) - m(p12), s11 = m(p5) - m(p9) - m(p13)
                let s12 = m(p6) - m(p10) - m(p14), s13 = m(p7) - m(p11) - m(p15)
                put(y00, s00 + s01 + s02); put(y01, s01 - s02 - s03)
                put(y10, s10 + s11 + s12); put(y11, s11 - s12 - s13)
                first += Lanes.scalarCount
            }
        }
        for c in first..<channels {
            // s = At m (2x4), then y = s A (2x2).
            let s00 = p0[c] + p4[c] + p8[c], s01 = p1[c] + p5[c] + p9[c]
            let s02 = p2[c] + p6[c] + p10[c], s03 = p3[c] + p7[c] + p11[c]
            let s10 = p4[c] - p8[c] - p12[c], s11 = p5[c] - p9[c] - p13[c]
            let s12 = p6[c] - p10[c] - p14[c], s13 = p7[c] - p11[c] - p15[c]
            let a = s00 + s01 + s02, b = s01 - s02 - s03, d = s10 + s11 + s12, e = s11 - s12 - s13
            if full {
                if accumulate {
                    y00[c] += a; y01[c] += b; y10[c] += d; y11[c] += e
                } else {
                    y00[c] = a; y01[c] = b; y10[c] = d; y11[c] = e
                }
            } else {
                if accumulate { y00[c] += a } else { y00[c] = a }
                if columns == 2 { if accumulate { y01[c] += b } else { y01[c] = b } }
                if rows == 2 {
                    if accumulate { y10[c] += d } else { y10[c] = d }
                    if columns == 2 { if accumulate { y11[c] += e } else { y11[c] = e } }
                }
            }
        }
    }
}
