import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';

export const User = Type.Object({
  id: Id,
  name: Type.String(),
  email: Type.String(),
  created_at: Timestamp,
});
export type User = Static<typeof User>;

/** Body of `POST /api/users`. The email is unique across users. */
export const CreateUser = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
  },
  { additionalProperties: false },
);
export type CreateUser = Static<typeof CreateUser>;
