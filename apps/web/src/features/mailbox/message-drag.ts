import type { MessageKey } from './message-key';

/** Dragging messages onto a folder: the message keys travel in a type of our own. */
export const DRAG_TYPE = 'application/x-westwind-messages';

export function writeDraggedKeys(transfer: DataTransfer | null, keys: readonly MessageKey[]): void {
  if (!transfer) return;
  transfer.setData(DRAG_TYPE, JSON.stringify(keys));
  transfer.setData('text/plain', `${keys.length} message${keys.length === 1 ? '' : 's'}`);
  transfer.effectAllowed = 'move';
}

export function readDraggedKeys(transfer: DataTransfer | null): MessageKey[] {
  try {
    const value: unknown = JSON.parse(transfer?.getData(DRAG_TYPE) || '[]');
    return Array.isArray(value)
      ? value.filter((k): k is MessageKey => typeof k === 'string' && /^[\w-]+\/[1-9]\d*$/.test(k))
      : [];
  } catch {
    return [];
  }
}
