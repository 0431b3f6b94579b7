import PipeBase

/// The foundation's size-only chunked loops, which every CNN kernel uses; named once here so kernel files
/// need no import of their own.
typealias Parallel = PipeBase.Parallel
