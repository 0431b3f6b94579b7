/// The Python globals a `PickleMachine` lets a pickle name (GLOBAL, STACK_GLOBAL) and call (REDUCE, NEWOBJ);
/// everything else is refused, so evaluating a pickle never runs code.
protocol PickleGlobals {
    /// The value of a GLOBAL opcode, or a failure naming a global that is not allowed.
    static func resolve(module: String, name: String) throws(PickleFailure) -> PickleValue
    /// The value of REDUCE or NEWOBJ: `callable` applied to the argument tuple.
    static func call(_ callable: PickleValue, _ arguments: PickleValue) throws(PickleFailure) -> PickleValue
}
