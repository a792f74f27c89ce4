// Languages Berth has no built-in buildpack for, recognised by their usual files, so that such an
// app fails its build at once saying what to do, instead of "building" as a Procfile app and
// crash-looping with `command not found` (Heroku's buildpack for each is named as the way out).
import { isAppFile } from './app-files.js';

export interface UnsupportedLanguage {
  language: string;
  /** The file that gave it away. */
  marker: string;
  /** Heroku's classic buildpack for it, which `buildpacks:set` can name. */
  buildpackUrl: string;
}

const LANGUAGES: { language: string; markers: string[]; buildpackUrl: string }[] = [
  { language: 'Ruby', markers: ['Gemfile'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-ruby' },
  { language: 'Go', markers: ['go.mod', 'Godeps/Godeps.json'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-go' },
  { language: 'Java', markers: ['pom.xml'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-java' },
  { language: 'Java (Gradle)', markers: ['build.gradle', 'build.gradle.kts', 'gradlew'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-gradle' },
  { language: 'PHP', markers: ['composer.json'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-php' },
  { language: 'Scala', markers: ['build.sbt'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-scala' },
  { language: 'Clojure', markers: ['project.clj'], buildpackUrl: 'https://github.com/heroku/heroku-buildpack-clojure' },
];

/** The first language of the list whose marker file the source holds. */
export async function findUnsupportedLanguage(sourceDir: string): Promise<UnsupportedLanguage | undefined> {
  for (const { language, markers, buildpackUrl } of LANGUAGES) {
    for (const marker of markers) if (await isAppFile(sourceDir, marker)) return { language, marker, buildpackUrl };
  }
  return undefined;
}
