import { v7 as uuidv7 } from 'uuid';

/** A new UUIDv7: time-ordered, so ids sort roughly by creation and index well. */
export const newId = (): string => uuidv7();
