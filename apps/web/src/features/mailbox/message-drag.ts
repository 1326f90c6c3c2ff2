/** Dragging messages onto a folder: the UIDs travel in a type of our own. */
export const DRAG_TYPE = 'application/x-westwind-uids';

export function writeDraggedUids(transfer: DataTransfer | null, uids: readonly number[]): void {
  if (!transfer) return;
  transfer.setData(DRAG_TYPE, JSON.stringify(uids));
  transfer.setData('text/plain', `${uids.length} message${uids.length === 1 ? '' : 's'}`);
  transfer.effectAllowed = 'move';
}

export function readDraggedUids(transfer: DataTransfer | null): number[] {
  try {
    const value: unknown = JSON.parse(transfer?.getData(DRAG_TYPE) || '[]');
    return Array.isArray(value) ? value.filter((n): n is number => Number.isInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
}
