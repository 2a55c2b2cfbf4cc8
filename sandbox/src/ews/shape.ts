/** Response shapes (FolderShape / ItemShape): which properties a response carries. */
import { NS } from './soap';
import { childOf, childrenOf, type XmlElement } from './xml';

export type BaseShape = 'IdOnly' | 'Default' | 'AllProperties';

export interface Shape {
  base: BaseShape;
  /** FieldURI values asked for in AdditionalProperties, e.g. `folder:DisplayName`. */
  additional: Set<string>;
}

export function readShape(shapeElement: XmlElement | undefined): Shape {
  const baseText = childOf(shapeElement, NS.types, 'BaseShape')?.text;
  const base: BaseShape = baseText === 'IdOnly' || baseText === 'AllProperties' ? baseText : 'Default';
  const fields = childrenOf(childOf(shapeElement, NS.types, 'AdditionalProperties'), NS.types, 'FieldURI');
  return { base, additional: new Set(fields.map((f) => f.attrs.FieldURI ?? '')) };
}

/** Whether a property is in the shape: by base shape tier, or requested explicitly. */
export function wants(shape: Shape, fieldUri: string, tier: BaseShape): boolean {
  if (shape.additional.has(fieldUri)) return true;
  if (tier === 'IdOnly') return true;
  if (tier === 'Default') return shape.base !== 'IdOnly';
  return shape.base === 'AllProperties';
}
