/**
 * The distinguished folders of every sandbox mailbox, as Exchange creates them: `root` (the
 * mailbox's root), `msgfolderroot` (Top of Information Store) below it, and the default folders
 * below that. GetFolder and FindFolder read this tree.
 */
export type FolderElement = 't:Folder' | 't:CalendarFolder' | 't:ContactsFolder' | 't:TasksFolder';

export interface FolderInfo {
  /** DistinguishedFolderIdNameType value. */
  name: string;
  element: FolderElement;
  folderClass?: string;
  displayName: string;
  parent?: string;
  childFolderCount: number;
}

const folder = (
  name: string,
  displayName: string,
  element: FolderElement,
  folderClass: string,
  parent = 'msgfolderroot',
): FolderInfo => ({ name, displayName, element, folderClass, parent, childFolderCount: 0 });

const DEFAULT_FOLDERS: FolderInfo[] = [
  folder('inbox', 'Inbox', 't:Folder', 'IPF.Note'),
  folder('drafts', 'Drafts', 't:Folder', 'IPF.Note'),
  folder('sentitems', 'Sent Items', 't:Folder', 'IPF.Note'),
  folder('deleteditems', 'Deleted Items', 't:Folder', 'IPF.Note'),
  folder('outbox', 'Outbox', 't:Folder', 'IPF.Note'),
  folder('junkemail', 'Junk Email', 't:Folder', 'IPF.Note'),
  folder('calendar', 'Calendar', 't:CalendarFolder', 'IPF.Appointment'),
  folder('contacts', 'Contacts', 't:ContactsFolder', 'IPF.Contact'),
  folder('tasks', 'Tasks', 't:TasksFolder', 'IPF.Task'),
  folder('notes', 'Notes', 't:Folder', 'IPF.StickyNote'),
  folder('journal', 'Journal', 't:Folder', 'IPF.Journal'),
];

export const FOLDERS: ReadonlyMap<string, FolderInfo> = new Map(
  [
    // The root of the mailbox has no display name of its own in EWS.
    { name: 'root', element: 't:Folder', displayName: '', childFolderCount: 1 } satisfies FolderInfo,
    {
      name: 'msgfolderroot',
      element: 't:Folder',
      displayName: 'Top of Information Store',
      parent: 'root',
      childFolderCount: DEFAULT_FOLDERS.length,
    } satisfies FolderInfo,
    ...DEFAULT_FOLDERS,
  ].map((f) => [f.name, f]),
);

export function childrenOfFolder(name: string): FolderInfo[] {
  return [...FOLDERS.values()].filter((f) => f.parent === name);
}

/** Every folder below `name`, depth first (FindFolder Deep traversal). */
export function descendantsOfFolder(name: string): FolderInfo[] {
  return childrenOfFolder(name).flatMap((child) => [child, ...descendantsOfFolder(child.name)]);
}
