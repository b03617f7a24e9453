export { SqlBuilder } from "./builder";
export { cursorCodec, cursorField, InvalidCursorError, type CursorCodec } from "./cursor";
