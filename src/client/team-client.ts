// Teams, members, collaborators and app transfers through the API (Heroku's /teams shapes).
import type { AppInfo } from './api-types.js';
import type { HttpTransport } from './http-transport.js';

export type TeamRole = 'admin' | 'member' | 'viewer';

export interface TeamInfo {
  id: string;
  name: string;
  role: TeamRole | null;
  created_at: string;
}

export interface TeamMemberInfo {
  id: string;
  email: string;
  role: TeamRole;
  created_at: string;
}

export interface CollaboratorInfo {
  id: string;
  app: { id: string; name: string };
  user: { id: string; email: string };
  role: 'owner' | 'admin' | 'member' | 'viewer' | 'collaborator';
  /** Team apps only: a personal app's collaborators may do everything but manage. */
  permissions?: Array<{ name: string; description: string }>;
  created_at: string;
}

const seg = (s: string): string => encodeURIComponent(s);

export class TeamClient {
  constructor(private readonly http: HttpTransport) {}

  list(): Promise<TeamInfo[]> {
    return this.http.list<TeamInfo>('/teams');
  }

  async create(name: string): Promise<TeamInfo> {
    return (await this.http.request<TeamInfo>('POST', '/teams', { body: { name } })).body;
  }

  members(team: string): Promise<TeamMemberInfo[]> {
    return this.http.list<TeamMemberInfo>(`/teams/${seg(team)}/members`);
  }

  /** `add` is Heroku's PUT (adds or changes), `set` its PATCH (changes an existing member only). */
  async setMember(team: string, email: string, role: string, mode: 'add' | 'set'): Promise<TeamMemberInfo> {
    return (await this.http.request<TeamMemberInfo>(mode === 'add' ? 'PUT' : 'PATCH', `/teams/${seg(team)}/members`, { body: { email, role } })).body;
  }

  async removeMember(team: string, email: string): Promise<TeamMemberInfo> {
    return (await this.http.request<TeamMemberInfo>('DELETE', `/teams/${seg(team)}/members/${seg(email)}`)).body;
  }

  apps(team: string): Promise<AppInfo[]> {
    return this.http.list<AppInfo>(`/teams/${seg(team)}/apps`);
  }

  collaborators(app: string): Promise<CollaboratorInfo[]> {
    return this.http.list<CollaboratorInfo>(`/apps/${seg(app)}/collaborators`);
  }

  /** Permissions are for team apps (`/teams/apps/...`); a personal app's collaborators get a fixed set. */
  async addCollaborator(app: string, email: string, permissions?: string[]): Promise<CollaboratorInfo> {
    const path = permissions ? `/teams/apps/${seg(app)}/collaborators` : `/apps/${seg(app)}/collaborators`;
    return (await this.http.request<CollaboratorInfo>('POST', path, { body: { user: email, ...(permissions ? { permissions } : {}) } })).body;
  }

  async updateCollaborator(app: string, email: string, permissions: string[]): Promise<CollaboratorInfo> {
    return (await this.http.request<CollaboratorInfo>('PATCH', `/teams/apps/${seg(app)}/collaborators/${seg(email)}`, { body: { permissions } })).body;
  }

  async removeCollaborator(app: string, email: string): Promise<CollaboratorInfo> {
    return (await this.http.request<CollaboratorInfo>('DELETE', `/apps/${seg(app)}/collaborators/${seg(email)}`)).body;
  }

  /** apps:transfer: `owner` is a team name or a user's email. */
  async transfer(app: string, owner: string): Promise<AppInfo> {
    return (await this.http.request<AppInfo>('PATCH', `/teams/apps/${seg(app)}`, { body: { owner } })).body;
  }
}
