import schema from "./ocsf-1.8.0-subset.json";

// The OCSF 1.8.0 requirements Blindspot's export is held to, as JSON Schema (validated with ajv
// in the tests). ocsf-1.8.0-subset.json is the OCSF schema (github.com/ocsf/ocsf-schema, tag
// 1.8.0) resolved through `extends` and `$include` for the classes we export and the objects we
// fill: every attribute with its requirement, type and, for profile attributes, its profile.
// A record must carry every `required` attribute, may carry only attributes of its class (those
// of a profile only when metadata.profiles names it), must honour each object's at_least_one /
// just_one constraints, and use the class's activity ids (plus 0 Unknown and 99 Other).

interface AttributeSpec {
  requirement: "required" | "recommended" | "optional";
  type: string;
  array: boolean;
  profile?: string;
}
interface ClassSpec {
  class_uid: number;
  category_uid: number;
  caption: string;
  profiles: string[];
  activities: Record<string, string>;
  attributes: Record<string, AttributeSpec>;
}
interface ObjectSpec {
  attributes: Record<string, AttributeSpec>;
  constraints: { at_least_one?: string[]; just_one?: string[] };
}

const CLASSES = schema.classes as unknown as Record<string, ClassSpec>;
const OBJECTS = schema.objects as unknown as Record<string, ObjectSpec>;

export const OCSF_SCHEMA_VERSION: string = schema.version;

type JsonSchema = Record<string, unknown>;

const SCALARS: Record<string, JsonSchema> = {
  boolean_t: { type: "boolean" },
  integer_t: { type: "integer" },
  long_t: { type: "integer" },
  timestamp_t: { type: "integer" },
  port_t: { type: "integer", minimum: 0, maximum: 65535 },
  float_t: { type: "number" },
  json_t: {},
};

function valueSchema(spec: AttributeSpec): JsonSchema {
  const one: JsonSchema =
    SCALARS[spec.type] ??
    (OBJECTS[spec.type] ? { $ref: `#/$defs/${spec.type}` } : spec.type.endsWith("_t") ? { type: "string" } : { type: "object" });
  return spec.array ? { type: "array", items: one } : one;
}

function constraintsSchema(c: ObjectSpec["constraints"]): JsonSchema {
  const out: JsonSchema = {};
  if (c.at_least_one?.length) out.anyOf = c.at_least_one.map((k) => ({ required: [k] }));
  if (c.just_one?.length) out.oneOf = c.just_one.map((k) => ({ required: [k] }));
  return out;
}

function objectDefs(): Record<string, JsonSchema> {
  return Object.fromEntries(
    Object.entries(OBJECTS).map(([name, o]) => [
      name,
      {
        type: "object",
        properties: Object.fromEntries(Object.entries(o.attributes).map(([k, a]) => [k, valueSchema(a)])),
        required: Object.entries(o.attributes).filter(([, a]) => a.requirement === "required").map(([k]) => k),
        additionalProperties: false,
        ...constraintsSchema(o.constraints),
      },
    ]),
  );
}

/** The classes the export produces, by class_uid. */
export function classByUid(uid: number): string | null {
  return Object.entries(CLASSES).find(([, c]) => c.class_uid === uid)?.[0] ?? null;
}

/** JSON Schema for one class with the given profiles applied. */
export function classSchema(className: string, profiles: string[] = []): JsonSchema {
  const c = CLASSES[className];
  if (!c) throw new Error(`unknown OCSF class ${className}`);
  const allowed = Object.entries(c.attributes).filter(([, a]) => !a.profile || profiles.includes(a.profile));
  const activityIds = [...new Set([0, 99, ...Object.keys(c.activities).map(Number)])];
  const properties: Record<string, JsonSchema> = Object.fromEntries(allowed.map(([k, a]) => [k, valueSchema(a)]));
  properties.class_uid = { const: c.class_uid };
  properties.category_uid = { const: c.category_uid };
  properties.activity_id = { enum: activityIds };
  properties.severity_id = { enum: [0, 1, 2, 3, 4, 5, 6, 99] };
  properties.metadata = {
    allOf: [{ $ref: "#/$defs/metadata" }, { properties: { version: { const: OCSF_SCHEMA_VERSION }, product: { required: ["name"], properties: { name: { const: "Blindspot" } } } } }],
  };
  return {
    $id: `ocsf-${className}-${profiles.join("+")}`,
    type: "object",
    properties,
    required: allowed.filter(([, a]) => a.requirement === "required").map(([k]) => k),
    additionalProperties: false,
    $defs: objectDefs(),
  };
}

/** Profiles the class itself lists (the only ones a record of it may apply, besides the base profiles). */
export function classProfiles(className: string): string[] {
  return CLASSES[className]?.profiles ?? [];
}
