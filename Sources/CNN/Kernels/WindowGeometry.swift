/// The sliding-window arithmetic shared by convolutions and pools over NHWC images.
///
/// Padding is given per side so Keras `same` padding with stride 2, which pads more at the bottom
/// and right than at the top and left, is reproduced exactly.
public struct WindowGeometry: Equatable, Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padBottom = padBottom
        self.padLeft = padLeft
        self.padRight = padRight
    }

    /// A square window with equal stride and symmetric padding on every side.
    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                  padTop: padding, padBottom: padding, padLeft: padding, padRight: padding)
    }

    /// The window Keras builds for `padding="same"` on an input of `height` x `width`.
    public static func same(kernelHeight: Int, kernelWidth: Int, stride: Int,
                            height: Int, width: Int) -> WindowGeometry {
        func split(_ size: Int, _ kernel: Int) -> (Int, Int) {
            let outSize = (size + stride - 1) / stride
            let total = max((outSize - 1) * stride + kernel - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(height, kernelHeight)
        let (left, right) = split(width, kernelWidth)
        return WindowGeometry(kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                              strideHeight: stride, strideWidth: stride,
                              padTop: top, padBottom: bottom, padLeft: left, padRight: right)
    }

    /// The output height for an input of `height` rows.
    public func outputHeight(_ height: Int) -> Int {
        (height + padTop + padBottom - kernelHeight) / strideHeight + 1
    }

    /// The output width for an input of `width` columns.
    public func outputWidth(_ width: Int) -> Int {
        (width + padLeft + padRight - kernelWidth) / strideWidth + 1
    }

    /// Whether the window is a plain per-pixel map (1x1, stride 1, no padding).
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padBottom == 0 && padLeft == 0 && padRight == 0
    }
}

/// The dimensions of one convolution over an NHWC batch.
public struct ConvShape: Equatable, Sendable {
    public var batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    public var window: WindowGeometry

    public init(batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
                window: WindowGeometry) {
        self.batch = batch
        self.height = height
        self.width = width
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.window = window
    }

    public var outHeight: Int { window.outputHeight(height) }
    public var outWidth: Int { window.outputWidth(width) }
    /// The im2col row length: `kernelHeight * kernelWidth * inChannels`.
    public var patchSize: Int { window.kernelHeight * window.kernelWidth * inChannels }
    /// Multiply-adds times two for one forward pass.
    public var forwardFlops: Double {
        2 * Double(batch * outHeight * outWidth) * Double(patchSize) * Double(outChannels)
    }
}
